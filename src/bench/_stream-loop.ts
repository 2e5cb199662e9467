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
import type { EngineRun, EngineSpec } from './engine.js';

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
      const seen = classify(error);
      // A reset while connecting is still a reset: something accepted the connection, and then
      // reset it before connect() saw the handshake end. The target is reachable.
      const notConnected = connecting && !(error instanceof ConnectionResetError);
      const kind =
        entry.timedOut || seen === 'timeout' ? 'timeout' : notConnected ? 'connect' : seen;
      if (measured && !budget.stopped) recorder.failed(kind);
      if (sock !== null) void sock.abort();
      sock = null;
      if (kind === 'connect') {
        reachability.connectFailed(error, firstTry);
        firstTry = false;
        // A refused connection would otherwise spin: pause a moment before trying again.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
  if (sock !== null) await sock.close().catch(() => {});
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
