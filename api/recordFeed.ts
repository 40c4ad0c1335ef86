import type { Logger } from 'pino';
import type { Store } from '../store/db';
import type { ProcessRow, TransitionRecord } from '../store/model';

/**
 * One poller behind every open event stream (`GET /v1/processes/:id/events`): each tick asks the records
 * store, in one query, where all watched processes stand, and reads the records only of those that moved.
 * Idle streams thus cost one small query per tick between them, not one loop each; a caller may keep only
 * so many open (per key, per partner with all its keys, and on the whole server).
 */

export interface FeedStream {
  processId: string;
  /** The caller who opened it (rateLimit.ts `callerKey`), for the cap per key. */
  caller: string;
  /** The partner whose keys share a cap (rateLimit.ts `partnerOf`); none for staff and customers. */
  partner?: string;
  /** The seq of the last record sent. */
  sent: number;
  /** Sends what the stream has not sent yet; `ended` is the process's row once it has ended and every step was sent. */
  deliver(records: TransitionRecord[], ended: ProcessRow | null): void;
  /** A comment line, so proxies keep an idle stream open. */
  heartbeat(): void;
  quietSince: number;
}

export class StreamRefused extends Error {
  constructor(
    readonly status: 429 | 503,
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export class RecordFeed {
  private readonly byProcess = new Map<string, Set<FeedStream>>();
  private readonly perCaller = new Map<string, number>();
  private readonly perPartner = new Map<string, number>();
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly store: Store,
    private readonly options: { pollMs: number; heartbeatMs: number; perKey: number; perPartner: number; max: number; log: Logger },
  ) {}

  /** Admits a stream, or refuses it changing nothing; `catchUp` then sends what it missed. */
  admit(stream: FeedStream): void {
    if ((this.perCaller.get(stream.caller) ?? 0) >= this.options.perKey)
      throw new StreamRefused(429, 'too_many_streams', `You have ${this.options.perKey} event streams open with this key already; close one and try again.`);
    if (stream.partner !== undefined && (this.perPartner.get(stream.partner) ?? 0) >= this.options.perPartner)
      throw new StreamRefused(
        429,
        'too_many_streams',
        `The keys of partner ${stream.partner} have ${this.options.perPartner} event streams open together already; close one and try again.`,
      );
    if (this.size >= this.options.max)
      throw new StreamRefused(503, 'streams_full', 'The server follows as many event streams as it can; try again in a little while.');
    this.size++;
    this.perCaller.set(stream.caller, (this.perCaller.get(stream.caller) ?? 0) + 1);
    if (stream.partner !== undefined) this.perPartner.set(stream.partner, (this.perPartner.get(stream.partner) ?? 0) + 1);
    const streams = this.byProcess.get(stream.processId) ?? new Set();
    streams.add(stream);
    this.byProcess.set(stream.processId, streams);
    this.timer ??= setInterval(() => void this.tick(), this.options.pollMs);
  }

  /** Sends a newly admitted stream what it missed, without waiting for the next tick. */
  catchUp(stream: FeedStream): Promise<void> {
    return this.deliver(stream.processId, [stream]);
  }

  close(stream: FeedStream) {
    const streams = this.byProcess.get(stream.processId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.byProcess.delete(stream.processId);
    this.size--;
    const left = (this.perCaller.get(stream.caller) ?? 1) - 1;
    if (left > 0) this.perCaller.set(stream.caller, left);
    else this.perCaller.delete(stream.caller);
    if (stream.partner !== undefined) {
      const partnerLeft = (this.perPartner.get(stream.partner) ?? 1) - 1;
      if (partnerLeft > 0) this.perPartner.set(stream.partner, partnerLeft);
      else this.perPartner.delete(stream.partner);
    }
    if (this.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Streams open now. */
  get count() {
    return this.size;
  }

  private async deliver(processId: string, streams: FeedStream[], known?: { version: number; done: boolean }) {
    const behind = streams.filter((s) => known === undefined || s.sent < known.version || known.done);
    if (behind.length === 0) return;
    const records = await this.store.listRecords(processId);
    const last = records.at(-1)?.seq ?? -1;
    const row = known === undefined || known.done ? await this.store.getProcess(processId) : null;
    for (const stream of behind) stream.deliver(records, row?.done && row.version <= last ? row : null);
  }

  private async tick() {
    if (this.ticking) return; // a slow store: skip a tick rather than pile queries up
    this.ticking = true;
    try {
      const ids = [...this.byProcess.keys()];
      for (let i = 0; i < ids.length; i += 500) {
        for (const known of await this.store.processVersions(ids.slice(i, i + 500))) {
          const streams = this.byProcess.get(known.id);
          if (streams) await this.deliver(known.id, [...streams], known);
        }
      }
      const now = Date.now();
      for (const streams of this.byProcess.values())
        for (const stream of streams)
          if (now - stream.quietSince >= this.options.heartbeatMs) {
            stream.heartbeat();
            stream.quietSince = now;
          }
    } catch (err) {
      this.options.log.error({ err }, 'event streams could not read the records store; trying again at the next tick');
    } finally {
      this.ticking = false;
    }
  }

  stop() {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
