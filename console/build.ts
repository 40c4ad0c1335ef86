import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

/** Where `npm start` and the browser tests serve the console from (gitignored: built, never committed). */
export const consoleOutDir = path.join(__dirname, '..', 'dist', 'console');

/**
 * Builds the console into `outDir`: the page, one script bundled by esbuild (Preact and the console's
 * modules) and Mermaid's own browser build, copied as it ships, so that nothing is fetched from elsewhere.
 */
export async function buildConsole(outDir = consoleOutDir): Promise<string> {
  await fs.mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(__dirname, 'src', 'main.tsx')],
    outfile: path.join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  await fs.copyFile(createRequire(__filename).resolve('mermaid/dist/mermaid.min.js'), path.join(outDir, 'mermaid.min.js'));
  await fs.copyFile(path.join(__dirname, 'index.html'), path.join(outDir, 'index.html'));
  await fs.copyFile(path.join(__dirname, 'style.css'), path.join(outDir, 'style.css'));
  return outDir;
}

// `npm run build:console`; under a test runner this module is only imported.
if (typeof require !== 'undefined' && require.main === module) {
  buildConsole().then(
    (dir) => console.log(`console built into ${dir}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
