import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSearchAttributes, freePort, SEARCH_ATTRIBUTES, startDevServer, type DevServer } from '../scripts/devServer';

describe('the Temporal dev server script', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-devserver-'));
  let server: DevServer | undefined;

  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts with search attributes and the Web UI, and keeps workflows across a restart on its SQLite file', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    server = await startDevServer({ dataDir, port, uiPort });
    expect(fs.existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(true);

    let connection = await Connection.connect({ address: server.address });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of SEARCH_ATTRIBUTES) expect(Object.keys(customAttributes ?? {})).toContain(name);
    // What an external cluster gets; here they exist already, so it must change nothing and not fail.
    await ensureSearchAttributes(connection, 'default');

    const ui = await fetch(server.uiUrl);
    expect(ui.status).toBe(200);

    // Nobody polls this task queue, so the workflow simply stays open.
    const workflowId = `persisted-${Date.now()}`;
    await new Client({ connection }).workflow.start('nothing', { taskQueue: 'nobody-polls', workflowId });
    await connection.close();
    await server.stop();

    server = await startDevServer({ dataDir, port, uiPort });
    connection = await Connection.connect({ address: server.address });
    const described = await new Client({ connection }).workflow.getHandle(workflowId).describe();
    expect(described.type).toBe('nothing');
    expect(described.status.name).toBe('RUNNING');
    await connection.close();
  }, 60_000);
});
