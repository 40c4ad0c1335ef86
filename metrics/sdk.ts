/**
 * The Temporal SDK's own metrics (workflow and activity task latencies, failures, slots, sticky cache,
 * requests to the server): its Rust core serves them in Prometheus format on a port of its own, bound
 * to 127.0.0.1; `/metrics` appends them to the product's, so one scrape per process gets both.
 */
let address: string | undefined;

/** Where the core serves its metrics; set once, when the worker runtime is installed (worker/index.ts). */
export function setSdkMetricsAddress(bindAddress: string) {
  address = bindAddress;
}

/** The SDK's metrics text, or '' before a worker runtime exists in this process (an API alone). */
export async function sdkMetricsText(): Promise<string> {
  if (!address) return '';
  try {
    const response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}
