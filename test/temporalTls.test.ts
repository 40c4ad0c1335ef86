import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../worker/config';
import { connectionOptions } from '../worker';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-tls-'));
const file = (name: string, text: string) => {
  const at = path.join(dir, name);
  fs.writeFileSync(at, text);
  return at;
};
const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('connection to Temporal: TLS and mTLS settings', () => {
  it('without TLS settings the connection is plain, as to the dev server', () => {
    const options = connectionOptions(readConfig({}), '127.0.0.1:7233');
    expect(options).toEqual({ address: '127.0.0.1:7233' });
  });

  it('TEMPORAL_TLS=true alone is TLS with the system roots; an API key (Temporal Cloud) implies TLS', () => {
    expect(connectionOptions(readConfig({ TEMPORAL_TLS: 'true' }), 'h:7233')).toEqual({ address: 'h:7233', tls: true });
    expect(connectionOptions(readConfig({ TEMPORAL_API_KEY: 'k' }), 'h:7233')).toEqual({ address: 'h:7233', apiKey: 'k', tls: true });
  });

  it('the client certificate, its key, the CA and the server name reach the SDK as clientCertPair, serverRootCACertificate and serverNameOverride', () => {
    const config = readConfig({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal.internal' });
    const options = connectionOptions(config, 'temporal:7233');
    expect(options.tls).toEqual({
      clientCertPair: { crt: fs.readFileSync(cert), key: fs.readFileSync(key) },
      serverRootCACertificate: fs.readFileSync(ca),
      serverNameOverride: 'frontend.temporal.internal',
    });
  });

  it('a certificate without TEMPORAL_TLS=true still turns TLS on (mTLS cannot be plain)', () => {
    const options = connectionOptions(readConfig({ TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key }), 'temporal:7233');
    expect(options.tls).toEqual({ clientCertPair: { crt: fs.readFileSync(cert), key: fs.readFileSync(key) } });
  });

  it('a certificate without its key, or a key without its certificate, is refused at start with the missing setting named', () => {
    expect(() => readConfig({ TEMPORAL_TLS_CERT: cert })).toThrow(/TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not/);
    expect(() => readConfig({ TEMPORAL_TLS_KEY: key })).toThrow(/TEMPORAL_TLS_CERT: TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not/);
  });

  it('an unreadable certificate, key or CA file is refused at start with its path and why', () => {
    const missing = path.join(dir, 'nope.pem');
    expect(() => readConfig({ TEMPORAL_TLS_CERT: missing, TEMPORAL_TLS_KEY: key })).toThrow(new RegExp(`TEMPORAL_TLS_CERT: cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(ENOENT\\)`));
    expect(() => readConfig({ TEMPORAL_TLS_CA: dir })).toThrow(/TEMPORAL_TLS_CA: cannot read .* \(not a file\)/);
  });

  it('TEMPORAL_TLS=false beside TLS files is a contradiction, refused', () => {
    expect(() => readConfig({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: ca })).toThrow(/TEMPORAL_TLS: TEMPORAL_TLS=false, yet TLS files/);
  });
});
