/**
 * The load engine of one thread: N connection loops pulling work from one
 * shared budget, recording latency into HDR histograms.
 *
 * Work is claimed, never pre-assigned: with `-n` each claim takes one of
 * the remaining requests (so exactly that many are sent); with `-d` claims
 * stop at the deadline. With a rate (`-R`), each claim is a time slot
 * `start + k / rate` shared by all connections (wrk2's model): a connection
 * that frees up late takes an overdue slot and sends at once, and latency
 * is counted from the slot's intended time. That is the coordinated-omission
 * correction: a server stall shows up in every request that should have
 * been sent during it, not only in the few that were in flight. The
 * uncorrected latency (from the actual send) is recorded too.
 *
 * Timeouts are deadlines that one sweeper checks, aborting the socket of a
 * request that overran; no timer is armed per request.
 *
 * @module
 */

import * as hdr from 'hdr-histogram-js';
import { HttpParseError } from '../core/errors.js';
import { HttpParser, type RequestHead, type ResponseHead } from '../http/parser.js';
import { connect } from '../socket/connect.js';
import { type DatagramSocket, udp } from '../socket/datagram-socket.js';
import type { StreamSocket } from '../socket/stream-socket.js';

export type BenchMode = 'http' | 'oneshot' | 'echo' | 'udp';

/** The kinds of error counted (non-2xx statuses are counted per status apart). */
export type ErrorKind = 'connect' | 'reset' | 'timeout' | 'parse' | 'mismatch';

/** Everything an engine needs, plain data so it can cross to a worker thread. */
export interface EngineSpec {
  mode: BenchMode;
  /** The address to connect to (resolved once, up front). */
  host: string;
  port: number;
  tls: boolean;
  /** With `tls`: the name for SNI and the certificate check. */
  servername?: string;
  insecure: boolean;
  connections: number;
  /** Requests for this engine, or `null` to run until `durationMs`. */
  requests: number | null;
  durationMs: number | null;
  warmupMs: number;
  /** Requests per second for this engine, or `null` for as fast as possible. */
  rate: number | null;
  timeoutMs: number;
  /** http/oneshot: the request bytes; echo/udp: the payload. */
  payload: Uint8Array;
  /** http mode: the method (responses to HEAD have no body). */
  method: string;
}

/** What an engine measured; histograms are encoded so they can cross threads. */
export interface EngineResult {
  /** Exchanges finished after warm-up: answered, or failed with an error. */
  completed: number;
  /** Exchanges answered well: a 2xx response, a reply in oneshot/udp, an exact echo. */
  ok: number;
  errors: Record<ErrorKind, number>;
  /** Complete HTTP responses by status. */
  statuses: Record<string, number>;
  bytesSent: number;
  bytesReceived: number;
  /** Measurement time: from the end of warm-up to the last completion. */
  elapsedMs: number;
  /** Completions per whole second of measurement, in order. */
  timeline: number[];
  /** Latency of every answered exchange in microseconds, corrected when a rate was set. */
  histogram: string;
  /** Latency from the actual send, when a rate was set. */
  uncorrected: string | null;
}

export function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

const ERROR_KINDS: ErrorKind[] = ['connect', 'reset', 'timeout', 'parse', 'mismatch'];

/** An exchange that failed, and how it should be counted. */
class ExchangeError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

function classify(error: unknown): ErrorKind {
  if (error instanceof ExchangeError) return error.kind;
  if (error instanceof HttpParseError) return 'parse';
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SOCKETKIT_ERR_TIMEOUT') return 'timeout';
  if (
    code === 'SOCKETKIT_ERR_CONNECTION_REFUSED' ||
    code === 'SOCKETKIT_ERR_NAME_RESOLUTION' ||
    code === 'SOCKETKIT_ERR_HOST_UNREACHABLE' ||
    code === 'SOCKETKIT_ERR_TLS'
  ) {
    return 'connect';
  }
  return 'reset';
}

/** Callbacks and cancellation for {@link runEngine}. */
export interface EngineHooks {
  /** Gets the completions so far, about every 100 ms. */
  onProgress?: (completed: number) => void;
  /**
   * Ends the run early: no new exchanges start, those in flight are cut
   * off and not counted, and the result covers what finished.
   */
  signal?: AbortSignal;
}

/**
 * Runs the load described by `spec`.
 *
 * @throws {SocketError} the target could not be reached at all: every
 *   connection's first attempt failed to connect and none ever succeeded
 *   (counting connect errors against a closed port would only measure the
 *   refusal).
 */
export async function runEngine(spec: EngineSpec, hooks: EngineHooks = {}): Promise<EngineResult> {
  const { onProgress, signal } = hooks;
  const histogram = newHistogram();
  const uncorrected = spec.rate === null ? null : newHistogram();
  const errors = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
  const statuses: Record<string, number> = {};
  let completed = 0;
  let ok = 0;
  let bytesSent = 0;
  let bytesReceived = 0;
  const timeline: number[] = [];

  const begin = performance.now();
  const measureFrom = begin + spec.warmupMs;
  const stopAt =
    spec.durationMs === null ? Number.POSITIVE_INFINITY : measureFrom + spec.durationMs;
  let claimed = 0;
  let claimedMeasured = 0;
  let lastCompletion = measureFrom;
  const interval = spec.rate === null ? 0 : 1000 / spec.rate;
  let everConnected = false;
  let unreachable: unknown = null;
  let failedFirstTries = 0;

  /**
   * The next unit of work: its intended send time, or `null` when the
   * budget is spent. Warm-up exchanges do not count against `-n`.
   */
  const claim = (): number | null => {
    if (unreachable !== null || stopping) return null;
    if (spec.rate !== null) {
      const intended = begin + claimed * interval;
      if (intended >= stopAt) return null;
      const measured = intended >= measureFrom;
      if (measured && spec.requests !== null && claimedMeasured >= spec.requests) return null;
      claimed++;
      if (measured) claimedMeasured++;
      return intended;
    }
    const now = performance.now();
    if (now >= stopAt) return null;
    if (now >= measureFrom) {
      if (spec.requests !== null && claimedMeasured >= spec.requests) return null;
      claimedMeasured++;
    }
    return now;
  };

  const track = (doneAt: number): void => {
    completed++;
    const second = Math.floor((doneAt - measureFrom) / 1000);
    while (timeline.length <= second) timeline.push(0);
    timeline[second]!++;
    if (doneAt > lastCompletion) lastCompletion = doneAt;
  };
  /** An answered exchange: its latency goes into the histograms. */
  const answered = (intended: number, sentAt: number, doneAt: number): void => {
    // Timers are coarse: a request may go out up to a millisecond before it was due. Then
    // the send is the start; otherwise the due time is.
    const from = sentAt < intended ? sentAt : intended;
    histogram.recordValue(Math.max(1, Math.round((doneAt - from) * 1000)));
    uncorrected?.recordValue(Math.max(1, Math.round((doneAt - sentAt) * 1000)));
    track(doneAt);
  };
  const failed = (kind: ErrorKind): void => {
    errors[kind]++;
    track(performance.now());
  };

  // Deadlines checked by one sweeper; an overrun aborts the socket, which fails the exchange.
  const inFlight: InFlight[] = [];
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const entry of inFlight) if (entry.active) entry.abort();
  };
  if (signal?.aborted) stopping = true;
  signal?.addEventListener('abort', stop, { once: true });
  const sweeper = setInterval(
    () => {
      const now = performance.now();
      for (const entry of inFlight) {
        if (entry.active && entry.deadline < now && !entry.timedOut) {
          entry.timedOut = true;
          entry.abort();
        }
      }
      onProgress?.(completed);
    },
    Math.max(5, Math.min(100, spec.timeoutMs / 4)),
  );

  /**
   * Waits until `time`. Timers fire a millisecond late or so, which at a set rate would count
   * as latency; so the timer wakes a little early and the last stretch is spun in
   * `setImmediate` steps (I/O still runs between them).
   */
  const waitUntil = (time: number): Promise<void> | null => {
    const ms = time - performance.now();
    if (ms <= 0) return null;
    return new Promise<void>((resolve) => {
      const spin = () => (performance.now() >= time ? resolve() : setImmediate(spin));
      if (ms > 2) setTimeout(spin, ms - 1.5);
      else setImmediate(spin);
    });
  };

  const connectOptions = {
    timeout: spec.timeoutMs,
    tls: spec.tls ? { insecure: spec.insecure, servername: spec.servername } : undefined,
    noDelay: true,
  };

  try {
    const loop = spec.mode === 'udp' ? udpLoop : streamLoop;
    await Promise.all(Array.from({ length: spec.connections }, () => loop()));
  } finally {
    clearInterval(sweeper);
    signal?.removeEventListener('abort', stop);
  }
  if (unreachable !== null) throw unreachable;
  onProgress?.(completed);

  return {
    completed,
    ok,
    errors,
    statuses,
    bytesSent,
    bytesReceived,
    elapsedMs: Math.max(0, lastCompletion - measureFrom),
    timeline,
    histogram: hdr.encodeIntoCompressedBase64(histogram),
    uncorrected: uncorrected === null ? null : hdr.encodeIntoCompressedBase64(uncorrected),
  };

  /** A connect error before any connection ever succeeded: stop the run when every loop saw one. */
  function connectFailed(error: unknown, firstTry: boolean): void {
    if (everConnected || !firstTry) return;
    failedFirstTries++;
    if (failedFirstTries >= spec.connections) unreachable = error;
  }

  /** One TCP connection's loop: http keeps the connection; oneshot opens one per request. */
  async function streamLoop(): Promise<void> {
    const payload = spec.payload;
    const reply: Reply = { status: 0, keepAlive: true, complete: false, any: false, raw: false };
    const handler = {
      onHead(head: RequestHead | ResponseHead) {
        if (head.kind === 'response' && head.status >= 200) {
          reply.status = head.status;
          reply.keepAlive = head.keepAlive;
        }
      },
      onBody() {},
      onComplete() {
        if (reply.status !== 0) reply.complete = true;
      },
    };
    let sock: StreamSocket | null = null;
    let parser: HttpParser | null = null;
    let firstTry = true;
    const entry: InFlight = {
      deadline: 0,
      abort: () => void sock?.abort(),
      timedOut: false,
      active: false,
    };
    inFlight.push(entry);
    for (;;) {
      const intended = claim();
      if (intended === null) break;
      const wait = waitUntil(intended);
      if (wait !== null) await wait;
      if (stopping) break;
      const measured = intended >= measureFrom;
      // Without a rate, the claim's time is now; with one, the wait may have overrun.
      const startAt = spec.rate === null ? intended : performance.now();
      entry.deadline = startAt + spec.timeoutMs;
      entry.timedOut = false;
      entry.active = true;
      let sentAt = startAt;
      let connecting = false;
      try {
        if (sock === null) {
          connecting = true;
          sock = await connect(spec.host, spec.port, connectOptions);
          connecting = false;
          everConnected = true;
          if (spec.mode !== 'echo') {
            parser = new HttpParser('response', handler, { fields: 'framing' });
            parser.expectResponseTo(spec.method);
          }
          if (entry.timedOut) throw new ExchangeError('timeout', 'timed out');
          sentAt = performance.now();
        }
        firstTry = false;
        // A request is small and the reply is awaited next: queue it without waiting on the write.
        sock.send(payload);
        bytesSent += payload.length;
        let keep = true;
        let good = true;
        if (spec.mode === 'echo') {
          await readEcho(sock, payload);
        } else {
          reply.status = 0;
          reply.keepAlive = true;
          reply.complete = false;
          reply.any = false;
          reply.raw = false;
          let done: boolean | null = null;
          while (done === null) {
            done = takeResponse(sock, parser!, reply, (await sock.recv(65536)) as Buffer);
          }
          keep = done;
          if (reply.status !== 0) {
            if (measured) statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
            good = reply.status < 300;
          }
        }
        entry.active = false;
        if (entry.timedOut) throw new ExchangeError('timeout', 'timed out');
        if (measured) {
          if (good) ok++;
          answered(intended, sentAt, performance.now());
        }
        if (!keep || spec.mode === 'oneshot') {
          void sock.close().catch(() => {});
          sock = null;
        }
      } catch (error) {
        entry.active = false;
        const seen = classify(error);
        const kind =
          entry.timedOut || seen === 'timeout' ? 'timeout' : connecting ? 'connect' : seen;
        if (measured && !stopping) failed(kind);
        if (sock !== null) void sock.abort();
        sock = null;
        if (kind === 'connect') {
          connectFailed(error, firstTry);
          firstTry = false;
          // A refused connection would otherwise spin: pause a moment before trying again.
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    }
    if (sock !== null) await sock.close().catch(() => {});
  }

  async function readEcho(sock: StreamSocket, payload: Uint8Array): Promise<void> {
    const back = await sock.recvExactly(payload.length);
    bytesReceived += back.length;
    if (!Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(payload)) {
      throw new ExchangeError('mismatch', 'the echo differs from what was sent');
    }
  }

  /**
   * Takes one received chunk of a response (empty at EOF). Returns `null`
   * while more is needed, else whether the connection may carry another
   * request. A reply that starts "HTTP/" is parsed (body consumed exactly);
   * in oneshot mode anything else is taken whole, up to the server's close.
   * Synchronous, so reading a response costs one await per chunk and no more.
   */
  function takeResponse(
    sock: StreamSocket,
    parser: HttpParser,
    reply: Reply,
    chunk: Buffer,
  ): boolean | null {
    if (chunk.length === 0) {
      if (!reply.any) throw new ExchangeError('reset', 'the server closed without replying');
      if (reply.raw) return false;
      parser.finish(); // completes a close-delimited body, or throws for a cut one
      if (!reply.complete)
        throw new ExchangeError('reset', 'the server closed inside the response');
      return false;
    }
    bytesReceived += chunk.length;
    if (!reply.any) {
      reply.any = true;
      reply.raw = spec.mode === 'oneshot' && !startsLikeHttp(chunk);
    }
    if (reply.raw) return null;
    let at = 0;
    while (at < chunk.length && !reply.complete) at = parser.execute(chunk, at);
    if (!reply.complete) return null;
    // Bytes after the response (the server sent more than asked): keep them for the next read.
    if (at < chunk.length) sock.unshift(chunk.subarray(at));
    return reply.keepAlive;
  }

  /** One UDP "connection": a socket sending a datagram and waiting for the reply. */
  async function udpLoop(): Promise<void> {
    let sock: DatagramSocket | null = null;
    // The reply wait has its own timeout; the entry is only for stopping.
    const entry: InFlight = {
      deadline: Number.POSITIVE_INFINITY,
      abort: () => void sock?.close().catch(() => {}),
      timedOut: false,
      active: true,
    };
    inFlight.push(entry);
    for (;;) {
      const intended = claim();
      if (intended === null) break;
      const wait = waitUntil(intended);
      if (wait !== null) await wait;
      if (stopping) break;
      const measured = intended >= measureFrom;
      try {
        if (sock === null) {
          sock = await udp({ family: spec.host.includes(':') ? 6 : 4 });
          await sock.connect(spec.host, spec.port);
        }
        const sentAt = performance.now();
        await sock.send(spec.payload);
        bytesSent += spec.payload.length;
        const data = await sock.recv(65535, { timeout: spec.timeoutMs });
        bytesReceived += data.length;
        if (measured) {
          ok++;
          answered(intended, sentAt, performance.now());
        }
      } catch (error) {
        if (measured && !stopping) failed(classify(error));
        // A late reply to a timed-out request must not be taken for the next one's: start afresh.
        await sock?.close().catch(() => {});
        sock = null;
      }
    }
    entry.active = false;
    await sock?.close().catch(() => {});
  }
}

/** One loop's exchange, as the sweeper sees it: registered once, active while in flight. */
interface InFlight {
  deadline: number;
  abort: () => void;
  timedOut: boolean;
  active: boolean;
}

interface Reply {
  status: number;
  keepAlive: boolean;
  complete: boolean;
  /** Some of the reply has arrived. */
  any: boolean;
  /** oneshot: the reply is not HTTP; it ends when the server closes. */
  raw: boolean;
}

const HTTP_PREFIX = Buffer.from('HTTP/');

/** Whether a reply's first bytes could be an HTTP status line (a 1-byte chunk "H" counts). */
function startsLikeHttp(chunk: Buffer): boolean {
  const n = Math.min(5, chunk.length);
  return chunk.compare(HTTP_PREFIX, 0, n, 0, n) === 0;
}
