import http from 'node:http';
import { contentType, metricsText } from './exposition';
import type { Metrics } from './registry';

/**
 * `GET /metrics` for a process without the API (`npm run worker`): the product's metrics and the SDK's,
 * on METRICS_PORT. Resolves with the port it listens on (0 asks for any free one).
 */
export function serveMetrics(metrics: Metrics, options: { port: number; host: string; refresh?: () => Promise<void> }): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'no_such_route', reason: 'Only GET /metrics is served here.' } }));
      return;
    }
    metricsText(metrics, options.refresh).then(
      (text) => response.writeHead(200, { 'content-type': contentType }).end(text),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`METRICS_PORT ${options.port} on ${options.host} is in use; choose another port (0: any free one).`) : error),
    );
    server.listen(options.port, options.host, () => {
      const port = (server.address() as { port: number }).port;
      resolve({ port, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}
