/**
 * The HTTP client, sequential requests to a node:http server on the same machine (server and
 * client pinned to different cores): socketkit's `request()` with a connection per request, the
 * same with an `Agent` keeping connections open, and undici's `request()` (pooled by default),
 * in interleaved rounds, medians.
 */
import {
  corePinning,
  formatNumber,
  log,
  median,
  pinned,
  runJson,
  type Section,
  startServer,
  TSX,
} from './_lib.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_CLIENT_REQUESTS ?? 3000);

const CLIENTS = [
  ['socketkit', 'socketkit `request()`, a connection each'],
  ['socketkit-agent', 'socketkit `request({ agent })`, kept alive'],
  ['undici', 'undici `request()`, kept alive'],
] as const;

export async function clientBenchmark(): Promise<Section> {
  const pin = await corePinning();
  const [command, args] = pinned(pin.server, TSX[0], [
    ...TSX.slice(1),
    'benchmarks/servers/hello-node-http.ts',
  ]);
  const server = await startServer(command, args);
  const url = `http://127.0.0.1:${server.port}/`;
  const rates = new Map<string, number[]>(CLIENTS.map(([kind]) => [kind, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [kind] of CLIENTS) {
        const [c, a] = pinned(pin.client, TSX[0], [
          ...TSX.slice(1),
          'benchmarks/clients/http-sequential.ts',
          kind,
          url,
          String(REQUESTS),
        ]);
        const result = await runJson<{ rps: number }>(c, a);
        rates.get(kind)!.push(result.rps);
        log(`client round ${round + 1}: ${kind} ${formatNumber(result.rps)} req/s`);
      }
    }
  } finally {
    await server.stop();
  }
  const undici = median(rates.get('undici')!);
  const rows = CLIENTS.map(([kind, label]) => {
    const rps = median(rates.get(kind)!);
    return `| ${label} | ${formatNumber(rps)} | ${(rps / undici).toFixed(2)}× |`;
  });
  return {
    id: 'client',
    markdown: `## HTTP client: sequential requests

${REQUESTS} GETs one after another to node:http serving the hello page (~700 bytes), each body read
to its end; median of ${ROUNDS} interleaved rounds; ${pin.note}.

| client | requests/s | vs undici |
|---|---|---|
${rows.join('\n')}`,
  };
}
