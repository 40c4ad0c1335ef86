/**
 * A refusal or failure answered by the API: its HTTP status and the API's stable code and sentence
 * (`{ error: { code, reason } }`). No dependencies, so a browser page (the console) can use it alone.
 */
export class PartnerflowError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    /** Seconds to wait before retrying (429, 503), when the API said. */
    readonly retryAfter?: number,
  ) {
    super(`${status} ${code}: ${reason}`);
    this.name = 'PartnerflowError';
  }
}
