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

    server = await startDevServer({ dataDir, port, uiPort, codecEndpoint: 'http://127.0.0.1:3000/codec' });
    connection = await Connection.connect({ address: server.address });
    const described = await new Client({ connection }).workflow.getHandle(workflowId).describe();
    expect(described.type).toBe('nothing');
    expect(described.status.name).toBe('RUNNING');
    await connection.close();
  }, 60_000);

  it('runs the Web UI read-only: writes refused (405), the workflow untouched; no secret in its settings or in any process list', async () => {
    const ui = server!.uiUrl;
    const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as Record<string, any>;
    expect(settings).toMatchObject({
      DisableWriteActions: true,
      WorkflowTerminateDisabled: true,
      WorkflowCancelDisabled: true,
      WorkflowSignalDisabled: true,
      WorkflowUpdateDisabled: true,
      WorkflowResetDisabled: true,
      BatchActionsDisabled: true,
      StartWorkflowDisabled: true,
      // The browser proves ops with the console's codec session cookie: the address carries no token.
      Codec: { Endpoint: 'http://127.0.0.1:3000/codec', IncludeCredentials: true },
    });

    const connection = await Connection.connect({ address: server!.address });
    const client = new Client({ connection });
    const workflowId = `ui-write-${Date.now()}`;
    await client.workflow.start('nothing', { taskQueue: 'nobody-polls', workflowId });
    // Through the UI's own API, as its buttons would call it: with its CSRF cookie and header.
    const page = await fetch(ui);
    const csrf = page.headers.getSetCookie().find((c) => c.startsWith('_csrf='))!.split(';')[0];
    const write = (action: string) =>
      fetch(`${ui}/api/v1/namespaces/default/workflows/${workflowId}/${action}`, {
        method: 'POST',
        headers: { cookie: csrf, 'x-csrf-token': csrf.slice('_csrf='.length), 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'from the UI' }),
      });
    for (const action of ['terminate', 'cancel', 'signal/fact', 'update/act', 'reset']) expect([action, (await write(action)).status]).toEqual([action, 405]);
    expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    await connection.close();

    // Nothing secret on a command line: the UI reads its settings from a file only its owner may read.
    for (const pid of [server!.pid, server!.uiPid!]) {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      expect(cmdline).not.toMatch(/codec/i);
    }
    expect(fs.statSync(path.join(dataDir, 'temporal-ui', 'partnerflow.yaml')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, 'temporal.sqlite')).mode & 0o777).toBe(0o600);
  }, 60_000);
});
