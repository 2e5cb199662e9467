/**
 * One stream connection's loop (TCP, or a Unix domain socket): claim work,
 * connect when there is no connection, send, read the reply, count the
 * exchange. http keeps the connection while the server does; oneshot opens
 * one per request; echo checks that the bytes come back exactly.
 *
 * @module
 */

import { ConnectionResetError } from '../core/errors.js';
import { connect } from '../socket/connect.js';
import { pull } from '../socket/pull.js';
import type { StreamSocket } from '../socket/stream-socket.js';
import { waitUntil } from './_budget.js';
import { classify, ExchangeError } from './_exchange-error.js';
import type { Recorder } from './_recorder.js';
import { ResponseReader } from './_response-reader.js';
import type { EngineRun, EngineSpec, ErrorKind } from './engine.js';

/**
 * One connection to the run's target: its Unix socket when `spec.path` is set, else its host and
 * port (Nagle off); TLS over either when the target is https.
 */
export function openConnection(spec: EngineSpec, signal?: AbortSignal): Promise<StreamSocket> {
  const tls = spec.tls ? { insecure: spec.insecure, servername: spec.servername } : undefined;
  if (spec.path !== null) return connect({ path: spec.path, timeout: spec.timeoutMs, tls, signal });
  return connect(spec.host, spec.port, { timeout: spec.timeoutMs, tls, noDelay: true, signal });
}

export async function streamLoop(run: EngineRun): Promise<void> {
  if (run.spec.pipelining > 1) return pipelinedLoop(run);
  const { spec, budget, recorder, reachability } = run;
  const payload = spec.payload;
  const reader = spec.mode === 'echo' ? null : new ResponseReader(spec, recorder);
  let sock: StreamSocket | null = null;
  let firstTry = true;
  const entry = run.sweeper.watch(() => void sock?.abort());
  for (;;) {
    const intended = budget.claim();
    if (intended === null) break;
    const wait = waitUntil(intended);
    if (wait !== null) await wait;
    if (budget.stopped) break;
    const measured = intended >= budget.measureFrom;
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
        sock = await openConnection(spec);
        connecting = false;
        reachability.connected();
        reader?.attach();
        if (entry.timedOut) throw new ExchangeError('timeout', 'timed out');
        sentAt = performance.now();
      }
      firstTry = false;
      // A request is small and the reply is awaited next: queue it without waiting on the write.
      sock.send(payload);
      recorder.bytesSent += payload.length;
      let keep = true;
      let good = true;
      if (reader === null) {
        await readEcho(sock, payload, recorder);
      } else {
        reader.begin();
        if (await pull(sock, reader, reader.ready)) keep = reader.keepAlive;
        else {
          reader.ended();
          keep = false;
        }
        if (reader.status !== 0) {
          if (measured) recorder.status(reader.status);
          good = reader.status < 300;
        }
      }
      entry.active = false;
      if (entry.timedOut) throw new ExchangeError('timeout', 'timed out');
      if (measured) recorder.answered(intended, sentAt, performance.now(), good);
      if (!keep || spec.mode === 'oneshot') {
        void sock.close().catch(() => {});
        sock = null;
      }
    } catch (error) {
      entry.active = false;
      const kind = failureKind(error, connecting, entry.timedOut);
      if (measured && !budget.stopped) recorder.failed(kind);
      if (sock !== null) void sock.abort();
      sock = null;
      if (kind === 'connect') {
        await connectFailed(run, error, firstTry);
        firstTry = false;
      }
    }
  }
  if (sock !== null) await sock.close().catch(() => {});
}

/**
 * http with pipelining: claim up to `spec.pipelining` requests, send them in one write, then
 * read their responses in order (RFC 9112 §9.3.2). Each latency runs from the batch's send to
 * its own response; a server that closes with requests unanswered fails those, as resets.
 */
async function pipelinedLoop(run: EngineRun): Promise<void> {
  const { spec, budget, recorder, reachability } = run;
  const reader = new ResponseReader(spec, recorder);
  const full = Buffer.concat(Array.from({ length: spec.pipelining }, () => spec.payload));
  const batch: number[] = [];
  let sock: StreamSocket | null = null;
  let firstTry = true;
  const entry = run.sweeper.watch(() => void sock?.abort());
  for (;;) {
    batch.length = 0;
    for (let i = 0; i < spec.pipelining; i++) {
      const claimed = budget.claim();
      if (claimed === null) break;
      batch.push(claimed);
    }
    if (batch.length === 0 || budget.stopped) break;
    entry.deadline = performance.now() + spec.timeoutMs;
    entry.timedOut = false;
    entry.active = true;
    let answered = 0;
    let connecting = false;
    try {
      if (sock === null) {
        connecting = true;
        sock = await openConnection(spec);
        connecting = false;
        reachability.connected();
        reader.attach();
        if (entry.timedOut) throw new ExchangeError('timeout', 'timed out');
      }
      firstTry = false;
      const sentAt = performance.now();
      const bytes =
        batch.length === spec.pipelining
          ? full
          : full.subarray(0, batch.length * spec.payload.length);
      sock.send(bytes);
      recorder.bytesSent += bytes.length;
      let keep = true;
      for (const intended of batch) {
        if (!keep)
          throw new ExchangeError(
            'reset',
            'the server closed the connection with pipelined requests unanswered',
          );
        reader.begin();
        if (await pull(sock, reader, reader.ready)) keep = reader.keepAlive;
        else {
          reader.ended();
          keep = false;
        }
        if (entry.timedOut) throw new ExchangeError('timeout', 'timed out');
        const measured = intended >= budget.measureFrom;
        let good = true;
        if (reader.status !== 0) {
          if (measured) recorder.status(reader.status);
          good = reader.status < 300;
        }
        if (measured) recorder.answered(intended, sentAt, performance.now(), good);
        answered++;
        // Each response has the timeout from the one before it, not from the batch's send.
        entry.deadline = performance.now() + spec.timeoutMs;
      }
      entry.active = false;
      if (!keep) {
        void sock.close().catch(() => {});
        sock = null;
      }
    } catch (error) {
      entry.active = false;
      const kind = failureKind(error, connecting, entry.timedOut);
      if (!budget.stopped)
        for (const intended of batch.slice(answered))
          if (intended >= budget.measureFrom) recorder.failed(kind);
      if (sock !== null) void sock.abort();
      sock = null;
      if (kind === 'connect') {
        await connectFailed(run, error, firstTry);
        firstTry = false;
      }
    }
  }
  if (sock !== null) await sock.close().catch(() => {});
}

/** What kind of failure an exchange's error is, for the report. */
function failureKind(error: unknown, connecting: boolean, timedOut: boolean): ErrorKind {
  const seen = classify(error);
  // A reset while connecting is still a reset: something accepted the connection, and then
  // reset it before connect() saw the handshake end. The target is reachable.
  const notConnected = connecting && !(error instanceof ConnectionResetError);
  return timedOut || seen === 'timeout' ? 'timeout' : notConnected ? 'connect' : seen;
}

/** A connection that could not be made: tell the reachability check, and pause before the next try. */
async function connectFailed(run: EngineRun, error: unknown, firstTry: boolean): Promise<void> {
  run.reachability.connectFailed(error, firstTry);
  // A refused connection would otherwise spin: pause a moment before trying again.
  await new Promise((resolve) => setTimeout(resolve, 10));
}

async function readEcho(
  sock: StreamSocket,
  payload: Uint8Array,
  recorder: Recorder,
): Promise<void> {
  const back = await sock.recvExactly(payload.length);
  recorder.bytesReceived += back.length;
  if (!Buffer.from(back.buffer, back.byteOffset, back.byteLength).equals(payload)) {
    throw new ExchangeError('mismatch', 'the echo differs from what was sent');
  }
}
