/**
 * `socketkit bench TARGET`: the load generator (ab, wrk, autocannon). Keep-alive
 * HTTP, a connection per request, TCP echo or UDP, over TCP or a Unix socket
 * (`--unix-socket`, curl's flag); a report as a table, JSON or an SVG plot; a
 * progress bar on a terminal; Ctrl-C ends the run early and still reports.
 *
 * @module
 */

import { readFileSync, writeFileSync } from 'node:fs';
import type { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatReport } from '../../bench/report.js';
import { type BenchOptions, bench } from '../../bench/run.js';
import { asBytes, defaultToEmpty, parsePositiveInt, parseSeconds } from '../_options.js';
import { note, writeOut } from '../_output.js';
import { CliError, ExitCode } from '../exit-codes.js';

interface BenchFlags {
  mode: 'http' | 'oneshot' | 'echo' | 'udp';
  pipelining?: number;
  connections: number;
  requests?: number;
  duration?: number;
  warmup?: number;
  rate?: number;
  timeout?: number;
  method?: string;
  header: string[];
  body?: string;
  bodyFile?: string;
  postFile?: string;
  contentType?: string;
  threads?: number;
  latency?: boolean;
  size?: number;
  workers: number;
  json?: boolean;
  plot?: string;
  allowRemote?: boolean;
  insecure?: boolean;
  unixSocket?: string;
  progress: boolean;
}

function collectHeader(value: string, previous: string[] = []): string[] {
  if (value.indexOf(':') <= 0) throw new InvalidArgumentError('expected "Name: value".');
  return [...previous, value];
}

function parseRate(value: string): number {
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate <= 0) {
    throw new InvalidArgumentError('expected a number of requests per second above 0.');
  }
  return rate;
}

function parseDuration(value: string): number {
  const ms = parseSeconds(value);
  if (ms <= 0) throw new InvalidArgumentError('expected a number of seconds above 0.');
  return ms;
}

/** The library's option names, as the flags that set them. */
const FLAG_WORDS: Array<[RegExp, string]> = [
  [
    /^Invalid option size in (\w+) mode: it sets the echo and udp payload; use body for HTTP$/,
    '--size is for --mode echo and udp; send a request body with --body in $1 mode',
  ],
  [
    /^Invalid options for (\w+) mode: method, headers and body are for http and oneshot; use size$/,
    '-m, -H and --body are for --mode http and oneshot; set the payload of $1 mode with --size',
  ],
  [/^Invalid size /, 'Invalid --size '],
  [/^Invalid connection count /, 'Invalid -c/--connections '],
  [/^Invalid request count /, 'Invalid -n/--requests '],
  [/^Invalid worker count /, 'Invalid --workers '],
  [/^Invalid duration /, 'Invalid -d/--duration '],
  [/^Invalid warm-up /, 'Invalid --warmup '],
  [/^Invalid timeout /, 'Invalid --timeout '],
  [/^Invalid rate /, 'Invalid -R/--rate '],
  [/ the connections \((\d+)\)/, ' -c/--connections ($1)'],
  [/\(--allow-remote\)/, 'with --allow-remote'],
  [
    /^Invalid option socketPath in udp mode: .*$/,
    '--unix-socket (a Unix stream socket) cannot be used with --mode udp; use --mode echo',
  ],
  [
    /^Invalid target ("[^"]*") with socketPath .*$/,
    '--unix-socket connects to a Unix socket: the target $1 cannot be given too in echo mode',
  ],
  [
    /^bench\(\) needs a target in (http|oneshot) mode: a URL \(over a Unix socket too: .*$/,
    '--unix-socket still needs the URL: it gives the Host header and the path (socketkit bench --unix-socket PATH http://localhost/)',
  ],
  [
    /^bench\(\) needs a target in (\w+) mode: (.*), or a socketPath$/,
    'bench needs a TARGET in $1 mode: $2 (or --unix-socket PATH)',
  ],
  [
    /^bench\(\) needs a target in (http|oneshot) mode: a URL$/,
    'bench needs a TARGET in $1 mode: a URL (socketkit bench http://127.0.0.1:8080/)',
  ],
  [/^bench\(\) needs a target in (\w+) mode: (.*)$/, 'bench needs a TARGET in $1 mode: $2'],
];

function inFlagWords(message: string): string {
  return FLAG_WORDS.reduce((text, [pattern, words]) => text.replace(pattern, words), message);
}

export function benchCommand(): Command {
  return defaultToEmpty(new Command('bench'), 'header')
    .description('load-test a server on this machine and report latency percentiles (ab, wrk)')
    .argument(
      '[target]',
      'http/oneshot: a URL (http://127.0.0.1:8080/); echo/udp: host:port (echo over --unix-socket: none)',
    )
    .addOption(
      new Option('--mode <mode>', 'what one request is')
        .choices(['http', 'oneshot', 'echo', 'udp'])
        .default('http'),
    )
    .option('-c, --connections <n>', 'connections kept busy at once', parsePositiveInt, 10)
    .option(
      '-n, --requests <n>',
      'send exactly this many requests (after warm-up)',
      parsePositiveInt,
    )
    .option(
      '-d, --duration <duration>',
      'run this long (default 10 when -n is not given)',
      parseDuration,
    )
    .option('--warmup <duration>', 'load this long first without measuring', parseSeconds)
    .option(
      '-R, --rate <n>',
      'a constant rate (requests/s); latency counts from when each request was due',
      parseRate,
    )
    .option('--timeout <duration>', 'per request, connecting included (default 10)', parseDuration)
    .option('-m, --method <method>', 'the HTTP method (default GET, or POST with a body)')
    .option(
      '-H, --header <header>',
      'add a request header "Name: value" (repeatable)',
      collectHeader,
    )
    .option('--body <text>', 'send this request body')
    .option('--body-file <file>', 'send this file as the request body')
    .option('-p, --post-file <file>', "as ab's -p: POST this file (with -T for its type)")
    .option('-T, --content-type <type>', "as ab's -T: the body's Content-Type")
    .option('--size <bytes>', 'echo/udp: bytes per request (default 64)', parsePositiveInt)
    .option(
      '-P, --pipelining <depth>',
      "http: requests sent at once per connection before reading the responses (wrk's --pipeline)",
      parsePositiveInt,
    )
    .option('--workers <n>', 'worker threads sharing the connections', parsePositiveInt, 1)
    .option('-t, --threads <n>', "as wrk's -t: the same as --workers", parsePositiveInt)
    .option('--latency', "as wrk's --latency: accepted; the percentiles are always printed")
    .option('--json', 'print the report as JSON')
    .option('--plot <file.svg>', 'also draw latency by percentile and requests/s over time')
    .option('--allow-remote', 'allow a target that is not on this machine (only one you run)')
    .option('-k, --insecure', 'https: do not verify the certificate')
    .option(
      '--unix-socket <path>',
      "connect to this Unix domain socket instead of the target's host (the URL still gives Host and path)",
    )
    .option('--no-progress', 'no progress bar, even on a terminal')
    .addHelpText(
      'after',
      `
Examples:
  $ socketkit bench -c 50 -n 10000 http://127.0.0.1:8080/
  $ socketkit bench -c 50 -d 30 -R 2000 http://127.0.0.1:8080/   constant rate, corrected latency
  $ socketkit bench --mode oneshot -c 50 -n 1000 127.0.0.1:8080   like ab without -k
  $ socketkit bench --mode echo --size 1024 127.0.0.1:7007
  $ socketkit bench --mode udp -n 10000 127.0.0.1:7007
  $ socketkit bench -t 2 -c 50 -d 10s --latency http://127.0.0.1:8080/   wrk's spelling
  $ socketkit bench --unix-socket /tmp/web.sock -c 50 -d 10 http://localhost/   as curl --unix-socket
  $ socketkit bench --mode echo --unix-socket /tmp/echo.sock --size 1024

-k is --insecure, as in curl, not ab's keep-alive: keep-alive is the default here (--mode http),
and --mode oneshot is ab without -k.`,
    )
    .action(async (target: string | undefined, flags: BenchFlags) => {
      await run(target, flags);
    });
}

async function run(target: string | undefined, flags: BenchFlags): Promise<void> {
  if (flags.threads !== undefined) {
    if (flags.workers !== 1 && flags.workers !== flags.threads)
      throw new CliError(
        `-t ${flags.threads} and --workers ${flags.workers} say the same thing twice, differently`,
        ExitCode.USAGE,
      );
    flags.workers = flags.threads;
  }
  if (flags.postFile !== undefined) {
    if (flags.bodyFile !== undefined || flags.body !== undefined)
      throw new CliError('Give -p, --body or --body-file, one of them', ExitCode.USAGE);
    flags.bodyFile = flags.postFile;
    flags.method ??= 'POST';
  }
  if (flags.contentType !== undefined) flags.header.push(`Content-Type: ${flags.contentType}`);
  if (flags.body !== undefined && flags.bodyFile !== undefined) {
    throw new CliError('Give --body or --body-file, not both', ExitCode.USAGE);
  }
  let body: string | Buffer | undefined = flags.body;
  if (flags.bodyFile !== undefined) {
    try {
      body = readFileSync(flags.bodyFile);
    } catch (error) {
      throw new CliError(
        `Cannot read --body-file ${flags.bodyFile}: ${(error as Error).message}`,
        ExitCode.USAGE,
      );
    }
  }
  const headers: Array<[string, string]> = flags.header.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim(), asBytes(line.slice(colon + 1).trim())];
  });

  // The bar: requests done of -n, or seconds of -d.
  let bar: SingleBar | undefined;
  const started = performance.now();
  const total = flags.requests ?? null;
  const seconds = ((flags.warmup ?? 0) + (flags.duration ?? (total === null ? 10_000 : 0))) / 1000;
  if (flags.progress && process.stderr.isTTY && !flags.json) {
    const { SingleBar } = await import('cli-progress');
    bar = new SingleBar({
      format:
        total === null
          ? ' {bar} {value}/{total} s | {done} requests'
          : ' {bar} {value}/{total} requests | {elapsed}s',
      hideCursor: true,
      stream: process.stderr,
      clearOnComplete: true,
    });
    bar.start(total ?? Math.ceil(seconds), 0, { done: 0, elapsed: '0.0' });
  }
  const onProgress = (done: number) => {
    if (bar === undefined) return;
    const elapsed = (performance.now() - started) / 1000;
    if (total === null) bar.update(Math.min(Math.floor(elapsed), Math.ceil(seconds)), { done });
    else bar.update(done, { elapsed: elapsed.toFixed(1) });
  };

  // Ctrl-C ends the run early and still reports; a second one exits at once.
  const controller = new AbortController();
  const onSigint = () => {
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);

  const options: BenchOptions = {
    target,
    socketPath: flags.unixSocket,
    mode: flags.mode,
    connections: flags.connections,
    requests: flags.requests,
    duration: flags.duration,
    warmup: flags.warmup,
    rate: flags.rate,
    timeout: flags.timeout,
    method: flags.method,
    headers: headers.length > 0 ? headers : undefined,
    body,
    size: flags.size,
    workers: flags.workers,
    ...(flags.pipelining === undefined ? {} : { pipelining: flags.pipelining }),
    allowRemote: flags.allowRemote,
    insecure: flags.insecure,
    onProgress,
    signal: controller.signal,
  };
  let report: Awaited<ReturnType<typeof bench>>;
  try {
    report = await bench(options);
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new CliError(inFlagWords(error.message), ExitCode.USAGE);
    }
    throw error;
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
  }
  if (controller.signal.aborted)
    note('socketkit: stopped early (Ctrl-C); the report covers what finished');

  if (flags.plot !== undefined) {
    const { plotReport } = await import('../../bench/plot.js');
    try {
      writeFileSync(flags.plot, plotReport(report));
    } catch (error) {
      throw new CliError(
        `Cannot write --plot ${flags.plot}: ${(error as Error).message}`,
        ExitCode.FAILURE,
      );
    }
  }
  await writeOut(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (report.latency === null) {
    throw new CliError(
      `No request to ${report.target}${report.socketPath === null || report.target === report.socketPath ? '' : ` via ${report.socketPath}`} was answered (${report.requests} failed)`,
      ExitCode.FAILURE,
    );
  }
}
