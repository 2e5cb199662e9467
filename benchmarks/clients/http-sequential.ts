// One HTTP client making N sequential GETs to URL, as a script would: `kind` says which client.
// Prints {"rps": …, "requests": N}. Each response body is read to its end.
import { Agent, request } from '../../dist/http/index.js';

const [kind, url, count] = process.argv.slice(2);
const n = Number(count ?? 2000);
const warmup = Math.min(200, n / 10);

async function socketkitOne(agent?: Agent): Promise<void> {
  const response = await request(url!, agent === undefined ? {} : { agent });
  await response.body.dump(Number.POSITIVE_INFINITY);
}

async function run(): Promise<void> {
  let one: () => Promise<void>;
  let close = async () => {};
  if (kind === 'socketkit') one = () => socketkitOne();
  else if (kind === 'socketkit-agent') {
    const agent = new Agent();
    one = () => socketkitOne(agent);
    close = () => agent.close();
  } else if (kind === 'undici') {
    const undici = await import('undici');
    one = async () => {
      const { body } = await undici.request(url!);
      await body.dump();
    };
  } else {
    console.error(`unknown client ${kind}`);
    process.exit(2);
  }
  for (let i = 0; i < warmup; i++) await one();
  const started = performance.now();
  for (let i = 0; i < n; i++) await one();
  const seconds = (performance.now() - started) / 1000;
  await close();
  console.log(JSON.stringify({ rps: n / seconds, requests: n }));
}

await run();
