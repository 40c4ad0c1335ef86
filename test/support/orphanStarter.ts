/**
 * Starts a dev server the way `npm start` does (its own process group, state in DATA_DIR) and then waits
 * to be killed: SIGKILLing this process leaves the server running, an orphan, as after an `npm start`
 * killed by the OOM killer. Prints `ready <server pid> <address>`.
 */
import { startDevServer } from '../../scripts/devServer';

async function main() {
  const server = await startDevServer({
    dataDir: process.env.DATA_DIR!,
    port: Number(process.env.TEMPORAL_DEV_PORT),
    uiPort: Number(process.env.TEMPORAL_UI_PORT),
    ownProcessGroup: true,
  });
  console.log(`ready ${server.pid} ${server.address}`);
  setInterval(() => {}, 1 << 30);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
