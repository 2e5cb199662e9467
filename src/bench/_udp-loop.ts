/**
 * One UDP "connection": a socket sending a datagram and waiting for the
 * reply, with a fresh socket after any failure.
 *
 * @module
 */

import { type DatagramSocket, udp } from '../socket/datagram-socket.js';
import { waitUntil } from './_budget.js';
import { classify } from './_exchange-error.js';
import type { EngineRun } from './engine.js';

export async function udpLoop(run: EngineRun): Promise<void> {
  const { spec, budget, recorder } = run;
  let sock: DatagramSocket | null = null;
  // The reply wait has its own timeout; the sweeper's entry is only for stopping.
  const entry = run.sweeper.watch(
    () => void sock?.close().catch(() => {}),
    Number.POSITIVE_INFINITY,
    true,
  );
  for (;;) {
    const intended = budget.claim();
    if (intended === null) break;
    const wait = waitUntil(intended);
    if (wait !== null) await wait;
    if (budget.stopped) break;
    const measured = intended >= budget.measureFrom;
    try {
      if (sock === null) {
        sock = await udp({ family: spec.host.includes(':') ? 6 : 4 });
        await sock.connect(spec.host, spec.port);
      }
      const sentAt = performance.now();
      await sock.send(spec.payload);
      recorder.bytesSent += spec.payload.length;
      const data = await sock.recv(65535, { timeout: spec.timeoutMs });
      recorder.bytesReceived += data.length;
      if (measured) recorder.answered(intended, sentAt, performance.now(), true);
    } catch (error) {
      if (measured && !budget.stopped) recorder.failed(classify(error));
      // A late reply to a timed-out request must not be taken for the next one's: start afresh.
      await sock?.close().catch(() => {});
      sock = null;
    }
  }
  entry.active = false;
  await sock?.close().catch(() => {});
}
