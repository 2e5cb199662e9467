/**
 * `socketkit fetch [URL]`: HTTP(S) by hand, curl-style. Tutorial 000's
 * program (ask for a server, GET its root document, print the reply), with
 * the flags and exit codes of curl.
 *
 * @module
 */

import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { bytesRepr, reprBody } from '../../core/bytes.js';
import { HttpParseError, SocketTimeoutError } from '../../core/errors.js';
import {
  type HttpResponse,
  type RequestOptions,
  request,
  type TlsSummary,
} from '../../http/client.js';
import { parseProxy, proxyFromEnv } from '../../http/proxy.js';
import type { ConnectAttempt } from '../../socket/stream-socket.js';
import { clientCertificate, readCa } from '../_certificate.js';
import { defaultToEmpty, parsePositiveInt, parseSeconds } from '../_options.js';
import { note, outputError, writeOut } from '../_output.js';
import { Prompter } from '../_prompt.js';
import { CliError, ExitCode, exitCodeFor } from '../exit-codes.js';
import { type DataPart, dataFlag, planRequest } from './_fetch-request.js';
import { checkWriteOut, writeOut as formatWriteOut } from './_write-out.js';

interface FetchFlags {
  include?: boolean;
  head?: boolean;
  verbose?: boolean;
  request?: string;
  header: string[];
  data: DataPart[];
  form: string[];
  get?: boolean;
  userAgent?: string;
  referer?: string;
  user?: string;
  silent?: boolean;
  showError?: boolean;
  writeOut?: string;
  remoteName?: boolean;
  ipv4?: boolean;
  ipv6?: boolean;
  location?: boolean;
  maxRedirs: number;
  output?: string;
  raw?: boolean;
  repr?: boolean;
  connectTimeout?: number;
  maxTime?: number;
  insecure?: boolean;
  cacert?: string;
  cert?: string;
  key?: string;
  proxy?: string;
  noproxy?: string;
  proxyUser?: string;
  fail?: boolean;
  compressed?: boolean;
  unixSocket?: string;
}

function collectHeader(value: string, previous: string[] = []): string[] {
  if (!/^[^:;\s]+(:|;\s*$)/.test(value))
    throw new InvalidArgumentError(
      'expected "Name: value" ("Name:" leaves a default header out, "Name;" sends it empty).',
    );
  return [...previous, value];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function fetchCommand(): Command {
  const parts: DataPart[] = [];
  return defaultToEmpty(new Command('fetch'), 'header', 'form')
    .description('fetch a URL over HTTP or HTTPS, spoken by hand over a socket (curl-style)')
    .argument(
      '[url]',
      'host, host:port, [::1]:port, http://… or https://… (asked for when missing)',
    )
    .option('-i, --include', 'print the response head before the body')
    .option('-I, --head', 'send HEAD and print the response head only')
    .option('-v, --verbose', 'show the request and response heads (> and <) and timings on stderr')
    .option('-X, --request <method>', 'the request method')
    .option(
      '-H, --header <header>',
      'add a request header, "Name: value" (repeatable)',
      collectHeader,
    )
    .option(
      '-d, --data <data>',
      'send this body (POST); @FILE reads a file (CR and LF dropped, as curl), @- stdin; repeatable, joined with &',
      dataFlag('data', parts),
    )
    .option(
      '--data-binary <data>',
      'as -d, but @FILE is sent byte for byte',
      dataFlag('binary', parts),
    )
    .option('--data-raw <data>', 'as -d, with no @FILE', dataFlag('raw', parts))
    .option(
      '--data-urlencode <data>',
      'as -d, URL-encoded: content, name=content, @file, name@file',
      dataFlag('urlencode', parts),
    )
    .option(
      '--json <data>',
      'send DATA as JSON (POST; Content-Type and Accept application/json), as curl 7.82+',
      dataFlag('json', parts),
    )
    .option(
      '-F, --form <name=content>',
      'a multipart/form-data field (POST): name=value, name=@file (upload), name=<file',
      collect,
    )
    .option('-G, --get', 'put the -d data in the query string of a GET instead of a body')
    .option('-A, --user-agent <agent>', 'the User-Agent header')
    .option('-e, --referer <url>', 'the Referer header')
    .option(
      '-u, --user <user:password>',
      'Basic authentication (never sent on to another origin by -L)',
    )
    .option('-L, --location', 'follow redirects (301, 302, 303, 307, 308)')
    .option('--max-redirs <n>', 'the most redirects to follow with -L', parsePositiveIntOrZero, 20)
    .option('-o, --output <file>', 'write the body to a file (a progress bar shows on a terminal)')
    .option('--raw', 'print the reply exactly as received, framing and all')
    .option(
      '--repr',
      "print the whole reply as a Python bytes literal, as tutorial 000's print(repr(reply))",
    )
    .option(
      '--connect-timeout <duration>',
      'give up connecting (lookup, TCP, TLS) after this long',
      parseSeconds,
    )
    .option(
      '-m, --max-time <duration>',
      'give up the whole transfer after this long (0: no limit)',
      parseSeconds,
    )
    .option('-k, --insecure', 'do not verify the server certificate')
    .option('--cacert <file>', 'trust the CA certificates in this PEM file')
    .option(
      '-E, --cert <file>',
      'show this client certificate (PEM) to a server that asks; needs --key',
    )
    .option('--key <file>', "the client certificate's private key (PEM)")
    .option(
      '-x, --proxy <url>',
      'go through this HTTP proxy ([http://][user:password@]host[:port], port 1080 by default); "" for none',
    )
    .option(
      '--noproxy <hosts>',
      'comma-separated hosts (and domains, CIDRs) to reach without the proxy',
    )
    .option('-U, --proxy-user <user:password>', "the proxy's credentials")
    .option(
      '-w, --write-out <format>',
      'after the transfer print FORMAT: %{http_code}, %{time_total}, %{size_download}, …, %{json} (all of them); @FILE reads it',
    )
    .option('-s, --silent', 'no progress bar and no error message (the exit code still tells)')
    .option('-S, --show-error', 'with -s: still print the error message')
    .option('-O, --remote-name', "write the body to a file named like the URL's last path segment")
    .addOption(new Option('-4, --ipv4', 'IPv4 only').conflicts('ipv6'))
    .option('-6, --ipv6', 'IPv6 only')
    .addOption(new Option('-f, --fail', 'exit 22 when the status is 400 or more'))
    .option(
      '--unix-socket <path>',
      "connect to this Unix domain socket instead of the URL's host (which still names the site)",
    )
    .option(
      '--compressed',
      'ask for a compressed reply (gzip, deflate, br) and decompress it; -i and -v show the head as sent',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ socketkit fetch http://127.0.0.1:8080/
  $ socketkit fetch -i localhost:8080
  $ socketkit fetch --repr 127.0.0.1:8080
  $ socketkit fetch -L -v https://localhost:8443/ --cacert cert.pem   (serve http --tls --port 8443 prints the file)
  $ socketkit fetch -s -o /dev/null -w '%{http_code} %{time_total}\\n' 127.0.0.1:8080
  $ socketkit fetch -i --json '{"a":1}' 127.0.0.1:8080   (POST: the hello page answers 405)

Exit codes (curl's): 0 a complete reply (any status, unless --fail), 2 bad URL or header,
5 unknown proxy, 6 unknown host, 7 refused, 8 malformed reply, 18 body cut short, 22 status ≥ 400 with --fail,
23 cannot write the output, 28 timed out, 35 TLS handshake failed, 47 too many redirects,
52 empty reply, 56 reset or tunnel refused, 58 bad client certificate, 60 certificate not trusted, 61 a --compressed body that does not decode,
77 --cacert is not a CA file.`,
    )
    .action(async (url: string | undefined, flags: FetchFlags) => {
      try {
        flags.data = parts;
        process.exitCode = await runFetch(url, flags);
      } catch (error) {
        // -s: the exit code says it all; -sS: the message as well.
        if (!flags.silent || flags.showError) throw error;
        process.exitCode = exitCodeFor(error);
      }
    });
}

function parsePositiveIntOrZero(value: string): number {
  return value === '0' ? 0 : parsePositiveInt(value);
}

async function askForServer(): Promise<string> {
  const prompter = new Prompter();
  try {
    if (!process.stdin.isTTY) {
      // A pipe: take the first line as the server, without a prompt on stdout.
      const line = await new Promise<string | null>((resolve) => {
        let text = '';
        process.stdin.setEncoding('utf8');
        const onData = (d: string) => {
          text += d;
          if (text.includes('\n')) done();
        };
        const done = () => {
          process.stdin.off('data', onData);
          process.stdin.pause();
          resolve(text === '' ? null : text.split('\n')[0]!);
        };
        process.stdin.on('data', onData);
        process.stdin.once('end', done);
      });
      if (line === null || line.trim() === '')
        throw new CliError('No URL given, and none on stdin', ExitCode.USAGE);
      return line.trim();
    }
    const answer = await prompter.ask('What server do you want to connect to? ');
    if (answer === null || answer.trim() === '')
      throw new CliError('No server given', ExitCode.USAGE);
    return answer.trim();
  } finally {
    prompter.close();
  }
}

function headLines(marker: string, head: Uint8Array): string {
  const text = Buffer.from(head)
    .toString('latin1')
    .replace(/(\r\n|\n)+$/, '');
  return text
    .split(/\r?\n/)
    .map((line) => `${marker} ${line}`.trimEnd())
    .join('\n');
}

/** Flags that cannot be given together, as curl refuses them: one sentence naming both. */
function checkConflicts(flags: FetchFlags): void {
  const data = flags.data.length > 0 || flags.form.length > 0;
  const pairs: Array<[boolean, string]> = [
    [flags.head === true && data && !flags.get, '-I (a HEAD request) and -d (a request body)'],
    [flags.raw === true && flags.repr === true, '--raw and --repr'],
    [flags.output !== undefined && flags.remoteName === true, '-o and -O'],
  ];
  for (const [clash, what] of pairs) {
    if (clash) throw new CliError(`${what} cannot be used together`, ExitCode.USAGE);
  }
}

/** `curl -v`'s account of a handshake: version and cipher, ALPN, the server's certificate, the verdict. */
function tlsLines(tls: TlsSummary, host: string): string {
  const name = (parts: Record<string, string>) =>
    Object.entries(parts)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
  const lines = [
    '* ALPN: offers http/1.1',
    `* TLS connection using ${tls.protocol} / ${tls.cipher.standardName}`,
  ];
  lines.push(
    tls.alpnProtocol === null
      ? '* ALPN: the server agreed on no protocol; HTTP/1.1 it is'
      : `* ALPN: server accepted ${tls.alpnProtocol}`,
  );
  const cert = tls.chain[0];
  if (cert !== undefined) {
    lines.push('* Server certificate:');
    lines.push(`*  subject: ${name(cert.subject)}`);
    lines.push(`*  start date: ${certificateDate(cert.validFrom)}`);
    lines.push(`*  expire date: ${certificateDate(cert.validTo)}`);
    if (cert.subjectAltName.length > 0)
      lines.push(`*  subjectAltName: ${cert.subjectAltName.join(', ')}`);
    lines.push(`*  issuer: ${name(cert.issuer)}`);
    lines.push(`*  SHA-256 fingerprint: ${cert.fingerprint256}`);
  }
  lines.push(
    tls.authorized
      ? `*  SSL certificate verify ok (${host} matches it, and it chains to a trusted CA).`
      : `*  SSL certificate verify result: ${tls.authorizationError ?? 'not verified'}, continuing anyway (-k).`,
  );
  return lines.join('\n');
}

/** As OpenSSL and curl print a certificate's dates: `Nov 22 05:05:41 2026 GMT`. */
function certificateDate(date: Date): string {
  const month = date.toUTCString().slice(8, 11);
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const time = date.toISOString().slice(11, 19);
  return `${month} ${day} ${time} ${date.getUTCFullYear()} GMT`;
}

/**
 * The proxy as curl chooses it: `-x` (with `-U` credentials put in), `-x ""` for none, else the
 * environment (`http_proxy`, `https_proxy`, `all_proxy`, `no_proxy`; `--noproxy` replaces
 * `no_proxy`).
 */
function proxyChoice(flags: FetchFlags): RequestOptions['proxy'] {
  if (flags.proxyUser !== undefined && !flags.proxyUser.includes(':'))
    throw new CliError(
      `Invalid -U/--proxy-user "${flags.proxyUser}": expected user:password`,
      ExitCode.USAGE,
    );
  const withUser = (proxy: string): string => {
    if (flags.proxyUser === undefined) return proxy;
    const [user, ...rest] = flags.proxyUser.split(':');
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`);
    url.username = encodeURIComponent(user!);
    url.password = encodeURIComponent(rest.join(':'));
    return url.href;
  };
  let chosen: RequestOptions['proxy'];
  if (flags.proxy !== undefined) {
    if (flags.proxy === '') return null;
    chosen = withUser(flags.proxy);
  } else {
    const env =
      flags.noproxy === undefined ? process.env : { ...process.env, no_proxy: '', NO_PROXY: '' };
    chosen = (url: URL) => {
      const found = proxyFromEnv(url, env);
      return found === null ? null : withUser(found);
    };
  }
  try {
    // A proxy that cannot be parsed is bad usage, said before anything is sent.
    if (typeof chosen === 'string') parseProxy(chosen);
  } catch (error) {
    throw new CliError(`${(error as Error).message} (-x/--proxy)`, ExitCode.USAGE);
  }
  return chosen;
}

/** A flag's file as text (-w @FILE); a missing one is bad usage naming the flag. */
function readFlagText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `Cannot read ${flag} @${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      ExitCode.USAGE,
    );
  }
}

/** -O: the file name the URL's last path segment gives (curl refuses an empty one, exit 23). */
function remoteName(url: URL): string {
  const last = decodeURIComponent(url.pathname.split('/').at(-1) ?? '');
  if (last === '' || last === '.' || last === '..' || last.includes('/')) {
    throw new CliError(
      `-O needs a URL that ends in a file name; ${url.href} has none (use -o FILE)`,
      ExitCode.WRITE_ERROR,
    );
  }
  return last;
}

/**
 * `--repr`: the reply as a Python bytes literal, in bounded memory. Up to 1 MiB is held so the
 * quote is chosen as Python's repr() chooses it; a longer reply streams with single quotes
 * (a quote inside is escaped), which is still a literal of the same bytes.
 */
class ReprWriter {
  static readonly HOLD = 1024 * 1024;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #streaming = false;

  async push(chunk: Uint8Array): Promise<void> {
    if (this.#streaming) {
      await writeOut(reprBody(chunk));
      return;
    }
    this.#held.push(Buffer.from(chunk));
    this.#heldBytes += chunk.length;
    if (this.#heldBytes > ReprWriter.HOLD) {
      this.#streaming = true;
      const held = Buffer.concat(this.#held);
      this.#held = [];
      await writeOut(`b'${reprBody(held)}`);
    }
  }

  async finish(): Promise<void> {
    if (this.#streaming) await writeOut("'\n");
    else if (this.#heldBytes > 0) await writeOut(`${bytesRepr(Buffer.concat(this.#held))}\n`);
  }
}

/** For -v: the first bytes of the reply, to show when it does not parse. */
class ReplySample {
  static readonly KEEP = 4096;
  #parts: Buffer[] = [];
  #kept = 0;
  total = 0;

  add(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.#kept >= ReplySample.KEEP) return;
    const part = Buffer.from(chunk.subarray(0, ReplySample.KEEP - this.#kept));
    this.#parts.push(part);
    this.#kept += part.length;
  }

  show(): void {
    if (this.total === 0) return;
    const bytes = Buffer.concat(this.#parts);
    const lines = reprBody(bytes).split('\\n');
    if (lines.at(-1) === '') lines.pop();
    note(
      `* The reply as received (${this.total} bytes${this.total > this.#kept ? `, the first ${this.#kept} shown` : ''}):`,
    );
    const ended = bytes.at(-1) === 0x0a;
    note(
      lines.map((line, i) => `< ${line}${i < lines.length - 1 || ended ? '\\n' : ''}`).join('\n'),
    );
  }
}

/**
 * An error of the request, in the words of the command line (flags, not library options).
 * `replyBytes` is how much of the reply came on the last connection: a parse error placed at
 * its very end found nothing wrong in the bytes, they just stopped (a head cut short), which
 * curl calls a partial transfer, not a malformed reply.
 */
function asCliError(error: unknown, flags: FetchFlags, replyBytes: number): unknown {
  if (error instanceof TypeError) return new CliError(error.message, ExitCode.USAGE);
  if (error instanceof HttpParseError && replyBytes > 0 && error.offset >= replyBytes)
    return new CliError(error.message, ExitCode.PARTIAL);
  if (error instanceof SocketTimeoutError && error.syscall === 'maxTime') {
    return new CliError(
      `Operation timed out after ${(flags.maxTime ?? 0) / 1000} s (-m/--max-time) fetching ${error.host}`,
      ExitCode.TIMEOUT,
    );
  }
  return error;
}

async function runFetch(urlArgument: string | undefined, flags: FetchFlags): Promise<number> {
  checkConflicts(flags);
  if (flags.writeOut?.startsWith('@')) flags.writeOut = readFlagText(flags.writeOut.slice(1), '-w');
  if (flags.writeOut !== undefined) checkWriteOut(flags.writeOut);
  const input = urlArgument ?? (await askForServer());
  const planned = planRequest(input, flags);
  const { target, method, headers, body } = planned;
  if (flags.remoteName) flags.output = remoteName(target.url);
  const ca = flags.cacert === undefined ? undefined : readCa(flags.cacert);
  const client = clientCertificate(flags);
  const proxy = proxyChoice(flags);
  if (client.cert !== undefined && target.url.protocol !== 'https:')
    throw new CliError(
      `--cert needs an https:// URL: a client certificate is shown in the TLS handshake, and ${target.url.href} has none`,
      ExitCode.USAGE,
    );

  const repr = flags.repr ? new ReprWriter() : null;
  const sample = flags.verbose ? new ReplySample() : null;
  let replyBytes = 0;
  const onRaw = (chunk: Uint8Array): Promise<void> | undefined => {
    replyBytes += chunk.length;
    sample?.add(chunk);
    if (repr !== null) return repr.push(chunk);
    // Written before the next read: the chunk may be a view of a buffer that read reuses.
    if (flags.raw) return writeOut(chunk);
    return undefined;
  };
  /** What went wrong after bytes arrived: show them (--repr, -v), then the error in CLI words. */
  const failed = async (error: unknown): Promise<never> => {
    await repr?.finish();
    if (!(error instanceof CliError)) sample?.show();
    throw asCliError(error, flags, replyBytes);
  };

  let response: HttpResponse;
  try {
    response = await request(target.url, {
      method,
      headers,
      omitHeaders: planned.omit,
      family: flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined,
      body,
      timeout: flags.connectTimeout || null,
      maxTime: flags.maxTime || null,
      followRedirects: flags.location ?? false,
      maxRedirects: flags.maxRedirs,
      insecure: flags.insecure ?? false,
      decompress: flags.compressed ?? false,
      socketPath: flags.unixSocket,
      ca,
      ...client,
      proxy,
      ...(flags.noproxy === undefined ? {} : { noProxy: flags.noproxy }),
      // The body is read as fast as the output takes it: a pager held for minutes is no reason to cut it.
      bodyTimeout: null,
      onRaw,
      // As curl's "Trying": every address tried and how it ended, printed as it ends, so a
      // connection that fails (or a handshake after it) still shows what was tried.
      ...(flags.verbose
        ? {
            onConnectAttempt: (a: ConnectAttempt) => {
              const where = a.family === 6 ? `[${a.address}]` : a.address;
              const took = (a.ended - a.started).toFixed(1);
              const how =
                a.outcome === 'connected'
                  ? `connected in ${took} ms`
                  : a.outcome === 'failed'
                    ? `failed after ${took} ms: ${a.error}`
                    : `abandoned after ${took} ms (${a.error ?? 'another address connected first'})`;
              note(`*   Trying ${where} at ${a.started.toFixed(1)} ms: ${how}`);
            },
          }
        : {}),
      onRequest: ({ url, head, tls, proxy: via }) => {
        replyBytes = 0; // each request (a redirect too) has its own parser, counting from 0
        if (flags.verbose) {
          if (via !== null)
            note(
              `* Via the proxy ${via}${url.protocol === 'https:' ? ` (a CONNECT tunnel to ${url.host})` : ''}`,
            );
          note(`* Connected to ${url.host}`);
          if (tls !== null) note(tlsLines(tls, url.hostname));
          note(`${headLines('>', head)}\n>`);
        }
      },
      onInterim: (head) => {
        if (flags.verbose && head.rawHead) note(`${headLines('<', head.rawHead)}\n<`);
      },
      onRedirect: ({ to, status }) => {
        if (flags.verbose) note(`* Following the ${status} redirect to ${to.href}`);
      },
    });
  } catch (error) {
    return failed(error);
  }

  if (flags.verbose) note(`${headLines('<', response.rawHead)}\n<`);
  if (flags.fail && response.status >= 400) {
    await response.body.cancel();
    throw new CliError(`The requested URL returned error: ${response.status}`, ExitCode.HTTP_ERROR);
  }

  // Where the body goes: stdout (after the head with -i/-I), a file, nowhere (--json, --raw, --repr).
  const printHead = (flags.include || flags.head) && !flags.raw && !flags.repr;
  if (printHead) await writeOut(response.rawHead);
  // -o writes synchronously: this process does nothing else meanwhile, and it spares each
  // chunk a round trip through libuv's thread pool.
  let file: number | undefined;
  let bar: SingleBar | undefined;
  if (flags.output !== undefined) {
    try {
      file = openSync(flags.output, 'w');
    } catch (error) {
      await response.body.cancel();
      throw outputError(error, `-o ${flags.output}`);
    }
    if (process.stderr.isTTY && !flags.silent) {
      const { SingleBar } = await import('cli-progress');
      const total = Number(response.headers.get('content-length') ?? 0);
      bar = new SingleBar({
        format: ' {bar} {percentage}% | {value}/{total} bytes | {speed} MiB/s',
        hideCursor: true,
        stream: process.stderr,
      });
      bar.start(total, 0, { speed: '0.0' });
    }
  }
  const toStdout = file === undefined && !flags.raw && !flags.repr && !flags.head;
  let bodyBytes = 0;
  const startedBody = performance.now();
  // One buffer for the whole body: each piece is written out before the next is read.
  const reuse = Buffer.allocUnsafe(256 * 1024);
  try {
    for await (const chunk of response.body.chunks(reuse)) {
      bodyBytes += chunk.length;
      if (file !== undefined) {
        try {
          for (let at = 0; at < chunk.length; ) at += writeSync(file, chunk, at);
        } catch (error) {
          throw outputError(error, `-o ${flags.output}`);
        }
        if (bar) {
          const seconds = (performance.now() - startedBody) / 1000;
          bar.update(bodyBytes, {
            speed: (bodyBytes / 1048576 / Math.max(seconds, 0.001)).toFixed(1),
          });
        }
      } else if (toStdout) {
        await writeOut(chunk);
      }
    }
  } catch (error) {
    bar?.stop();
    if (file !== undefined) closeSync(file);
    return failed(error);
  }
  bar?.stop();
  if (file !== undefined) closeSync(file);
  await repr?.finish();

  if (flags.verbose) {
    const t = response.timings;
    const tls = t.tls === undefined ? '' : `, TLS ${t.tls.toFixed(1)} ms`;
    note(
      `* ${bodyBytes} body bytes; lookup ${t.lookup.toFixed(1)} ms, connect ${t.connect.toFixed(1)} ms${tls}, first byte ${t.firstByte.toFixed(1)} ms, total ${t.total.toFixed(1)} ms`,
    );
  }
  if (flags.writeOut !== undefined)
    await writeOut(formatWriteOut(flags.writeOut, { response, bodyBytes }));
  return ExitCode.OK;
}
