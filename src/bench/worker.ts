/**
 * A worker thread running one engine: the spec comes in `workerData`,
 * progress and the result go back as messages, a `"stop"` message ends
 * the run early.
 *
 * @module
 */

import { parentPort, workerData } from 'node:worker_threads';
import { type EngineSpec, runEngine } from './engine.js';

/** Messages a worker sends to the thread that started it. */
export type WorkerMessage =
  | { type: 'progress'; completed: number }
  | { type: 'done'; result: Awaited<ReturnType<typeof runEngine>> }
  | { type: 'failed'; error: { name: string; message: string; code?: string } };

if (parentPort !== null) {
  const port = parentPort;
  const controller = new AbortController();
  port.on('message', (message) => {
    if (message === 'stop') controller.abort();
  });
  const spec = workerData as EngineSpec;
  runEngine(spec, {
    signal: controller.signal,
    onProgress: (completed) => port.postMessage({ type: 'progress', completed }),
  }).then(
    (result) => {
      port.postMessage({ type: 'done', result } satisfies WorkerMessage);
      port.close();
    },
    (error: Error & { code?: string }) => {
      port.postMessage({
        type: 'failed',
        error: { name: error.name, message: error.message, code: error.code },
      } satisfies WorkerMessage);
      port.close();
    },
  );
}
