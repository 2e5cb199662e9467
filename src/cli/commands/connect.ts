/**
 * `socketkit connect HOST PORT`: netcat's client. stdin goes to the socket and
 * the socket to stdout, byte for byte. At the end of stdin the write half
 * is shut down and the reply is read until the peer closes, so a request
 * piped in gets its whole answer.
 *
 * @module
 */

import { isIP } from 'node:net';
import { Command, Option } from 'commander';
import { describeEndpoint } from '../../core/address.js';
import { resolvePort } from '../../core/service-table.js';
import { type LongTimer, setLongTimeout } from '../../core/timers.js';
import { connect } from '../../socket/connect.js';
import { udp } from '../../socket/datagram-socket.js';
import type { StreamSocket } from '../../socket/stream-socket.js';
import { clientCertificate, readCa } from '../_certificate.js';
import { parseHost, parseSeconds } from '../_options.js';
import { hexDump, note, writeOut } from '../_output.js';
import { CliError, ExitCode, exitCodeFor } from '../exit-codes.js';
import { checkPorts, portRange } from './_port-check.js';

interface ConnectFlags {
  udp?: boolean;
  tls?: boolean;
  insecure?: boolean;
  servername?: string;
  crlf?: boolean;
  wait?: number;
  quitAfterEof?: number;
  shutdown: boolean;
  ipv4?: boolean;
  ipv6?: boolean;
  verbose?: boolean;
  hex?: boolean;
  zero?: boolean;
  json?: boolean;
  allowRemote?: boolean;
  unix?: string;
  numeric?: boolean;
  listen?: boolean;
  shutdownOnEof?: boolean;
  cacert?: string;
  cert?: string;
  key?: string;
  alpn?: string;
}

/** A port number or a service name, checked here so bad values exit 2. */
export function parsePortOrService(value: string): number {
  try {
    return resolvePort(value, 'tcp');
  } catch (error) {
    throw new CliError(`Invalid port "${value}": ${portReason(error)}`, ExitCode.USAGE);
  }
}

function portReason(error: unknown): string {
  const message = (error as Error).message;
  return message.includes('was not found')
    ? 'no service has that name'
    : 'it must be an integer from 0 to 65535 or a service name';
}

export function connectCommand(): Command {
  return new Command('connect')
    .description('connect to HOST PORT: stdin goes to the socket, what arrives goes to stdout')
    .argument('[host]', 'a host name or address', parseHost)
    .argument('[port]', 'a port number or service name')
    .option('-U, --unix <path>', 'connect to this Unix domain socket instead of HOST PORT')
    .option('-u, --udp', 'UDP: send each stdin line as one datagram, print each reply')
    .option('--tls', 'speak TLS (certificates are verified)')
    .option('--insecure', 'with --tls: do not verify the certificate')
    .option('--servername <name>', 'with --tls: the name for SNI and verification')
    .option('--cacert <file>', 'with --tls: trust the CA certificates in this PEM file')
    .option('--cert <file>', 'with --tls: show this client certificate (PEM); needs --key')
    .option('--key <file>', "with --tls: the client certificate's private key (PEM)")
    .option(
      '--alpn <protocols>',
      'with --tls: offer these ALPN protocols, comma-separated (h2,http/1.1)',
    )
    .option('-C, --crlf', 'send line ends as CRLF')
    .option(
      '-w, --wait <duration>',
      'give up if connecting, or the connection idling, takes longer',
      parseSeconds,
    )
    .option(
      '-q, --quit-after-eof <duration>',
      'after stdin ends, wait this long, then quit',
      parseSeconds,
    )
    .option('--no-shutdown', 'keep the write half open when stdin ends')
    .addOption(new Option('-4, --ipv4', 'IPv4 only').conflicts('ipv6'))
    .option('-6, --ipv6', 'IPv6 only')
    .option('-v, --verbose', 'narrate on stderr')
    .option('--hex', 'hex-dump both directions on stderr (> sent, < received)')
    .option(
      '-z, --zero',
      'only check which ports accept a connection (PORT may be LOW-HIGH, at most 1024)',
    )
    .option(
      '--json',
      'with -z: the result as JSON; otherwise a summary of the session on stderr as one JSON line',
    )
    .option('--allow-remote', 'with -z: allow a host that is not this machine (only one you run)')
    .option('-n, --numeric', 'HOST must be an address: no name lookup (nc -n)')
    .option('-N', "shut the write half down at the end of stdin (nc -N): socketkit's default")
    .addOption(new Option('-l, --listen', 'nc -l').hideHelp())
    .addHelpText(
      'after',
      `
Examples:
  $ printf 'GET / HTTP/1.0\\r\\n\\r\\n' | socketkit connect 127.0.0.1 8080
  $ echo hello | socketkit connect --udp 127.0.0.1 7007
  $ socketkit connect --tls --cacert cert.pem localhost 8443   (serve http --tls --port 8443 prints the file)
  $ socketkit connect -z 127.0.0.1 7000-7100
  $ echo hello | socketkit connect -U /tmp/echo.sock

Exit codes: 0 the peer closed, 6 unknown host, 7 refused, 28 timed out,
35/60 TLS failed, 56 reset by the peer, 58 bad client certificate.`,
    )
    .action(async (host: string | undefined, portText: string | undefined, flags: ConnectFlags) => {
      if (flags.listen)
        throw new CliError(
          'nc -l is socketkit listen: socketkit listen PORT (or listen -U PATH)',
          ExitCode.USAGE,
        );
      const tlsOnly = (
        [
          [flags.insecure, '--insecure'],
          [flags.cacert, '--cacert'],
          [flags.servername, '--servername'],
          [flags.cert, '--cert'],
          [flags.key, '--key'],
          [flags.alpn, '--alpn'],
        ] as const
      ).find(([given]) => given !== undefined && given !== false);
      if (tlsOnly !== undefined && !flags.tls)
        throw new CliError(
          `${tlsOnly[1]} needs --tls: it is about the TLS handshake`,
          ExitCode.USAGE,
        );
      if (flags.unix !== undefined) {
        if (host !== undefined)
          throw new CliError(
            `-U connects to a Unix socket: HOST and PORT (${host}${portText === undefined ? '' : ` ${portText}`}) cannot be given too`,
            ExitCode.USAGE,
          );
        for (const [given, name] of [
          [flags.udp, '--udp'],
          [flags.zero, '-z'],
          [flags.ipv4 || flags.ipv6, '-4/-6'],
        ] as const) {
          if (given)
            throw new CliError(
              `-U (a Unix stream socket) cannot be used with ${name}`,
              ExitCode.USAGE,
            );
        }
        if (flags.wait === 0) flags.wait = undefined;
        process.exitCode = await runTcp({ path: flags.unix }, flags);
        return;
      }
      if (host === undefined || portText === undefined)
        throw new CliError(
          `connect needs ${host === undefined ? 'HOST and PORT' : 'a PORT after the host'} (or -U PATH): socketkit connect 127.0.0.1 8080`,
          ExitCode.USAGE,
        );
      if (flags.numeric && isIP(host) === 0)
        throw new CliError(
          `-n takes addresses only, and "${host}" is a name (drop -n to look it up)`,
          ExitCode.USAGE,
        );
      if (flags.zero) {
        if (flags.udp || flags.tls)
          throw new CliError(
            '-z checks TCP ports: it cannot be used with --udp or --tls',
            ExitCode.USAGE,
          );
        process.exitCode = await checkPorts(host, portRange(portText), flags);
        return;
      }
      if (flags.allowRemote)
        throw new CliError('--allow-remote goes with -z (a port check)', ExitCode.USAGE);
      if (flags.json && flags.udp)
        throw new CliError(
          '--json summarises a TCP session, or a -z port check; with --udp each reply is already a line',
          ExitCode.USAGE,
        );
      const port = parsePortOrService(portText);
      if (flags.udp && flags.tls)
        throw new CliError('--tls cannot be used with --udp', ExitCode.USAGE);

      // 0 means no limit, as for curl's -m 0.
      if (flags.wait === 0) flags.wait = undefined;
      const code = flags.udp
        ? await runUdp(host, port, flags)
        : await runTcp({ host, port }, flags);
      process.exitCode = code;
    });
}

/** Rewrites lone LF as CRLF, remembering a CR at the end of the previous chunk. */
export function crlfConverter(): (chunk: Buffer) => Buffer {
  let lastWasCr = false;
  return (chunk) => {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === 0x0a && !lastWasCr) out.push(0x0d);
      out.push(byte);
      lastWasCr = byte === 0x0d;
    }
    return Buffer.from(out);
  };
}

/** A timer that fires after `ms` without a `touch()` (any length: see core/timers.ts). */
class IdleTimer {
  readonly #ms: number;
  readonly #onIdle: () => void;
  #timer: LongTimer;
  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
    this.#timer = setLongTimeout(onIdle, ms);
  }
  touch(): void {
    this.#timer.clear();
    this.#timer = setLongTimeout(this.#onIdle, this.#ms);
  }
  stop(): void {
    this.#timer.clear();
  }
}

/** After the peer ends its side, how long stdin may be quiet before connect stops. */
const AFTER_PEER_MS = 1000;

async function runTcp(
  target: { host: string; port: number } | { path: string },
  flags: ConnectFlags,
): Promise<number> {
  const started = performance.now();
  try {
    return await session(target, flags, started);
  } catch (error) {
    // A session that never began still gets its summary line: what was tried, and why it ended.
    if (flags.json && !sessionStarted.has(flags))
      note(
        JSON.stringify({
          remote: target,
          tls: null,
          sent: 0,
          received: 0,
          timings: { total: performance.now() - started },
          ended: 'not connected',
          error: error instanceof Error ? error.message : String(error),
          exitCode: exitCodeFor(error),
        }),
      );
    throw error;
  }
}

/** The runs whose connection was made (their own summary says how they ended). */
const sessionStarted = new WeakSet<ConnectFlags>();

async function session(
  target: { host: string; port: number } | { path: string },
  flags: ConnectFlags,
  started: number,
): Promise<number> {
  let sock: StreamSocket;
  if ('path' in target) {
    if (flags.verbose)
      note(`Connecting to the socket ${target.path}${flags.tls ? ' (TLS)' : ''}...`);
    sock = await connect({
      path: target.path,
      timeout: flags.wait ?? null,
      tls: flags.tls ? tlsSettings(flags) : undefined,
    });
    if (flags.verbose) narrateConnected(target.path, sock);
  } else {
    const { host, port } = target;
    const family = flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined;
    if (flags.verbose) note(`Connecting to ${host} port ${port}${flags.tls ? ' (TLS)' : ''}...`);
    sock = await connect(host, port, {
      timeout: flags.wait ?? null,
      family,
      tls: flags.tls ? tlsSettings(flags) : undefined,
    });
    if (flags.verbose) narrateConnected(host, sock);
  }

  sessionStarted.add(flags);
  const tlsProtocol = sock.tlsProtocol;
  let sentBytes = 0;
  let receivedBytes = 0;
  const convert = flags.crlf ? crlfConverter() : null;

  return new Promise<number>((resolve, reject) => {
    let finished = false;
    const finish = (code: number, error?: unknown) => {
      if (finished) return;
      finished = true;
      idle?.stop();
      if (quiet !== undefined) clearTimeout(quiet);
      if (flags.verbose) note(`Sent ${sentBytes} bytes, received ${receivedBytes} bytes.`);
      if (flags.json) {
        const ended = error
          ? code === ExitCode.TIMEOUT
            ? 'idle timeout'
            : 'error'
          : peerEnded
            ? 'the peer closed'
            : 'stdin ended';
        note(
          JSON.stringify({
            remote: sock.remoteAddress,
            local: sock.localAddress,
            tls: tlsProtocol,
            sent: sentBytes,
            received: receivedBytes,
            timings: { ...sock.timings, attempts: undefined, total: performance.now() - started },
            ended,
            ...(error ? { error: (error as Error).message } : {}),
            exitCode: error ? exitCodeFor(error) : code,
          }),
        );
      }
      void sock.close();
      if (error) reject(error);
      else resolve(code);
    };
    const idle =
      flags.wait === undefined
        ? null
        : new IdleTimer(flags.wait, () =>
            finish(
              ExitCode.TIMEOUT,
              new CliError(
                `No data in either direction for ${flags.wait! / 1000} s; giving up (-w)`,
                ExitCode.TIMEOUT,
              ),
            ),
          );

    // The peer's end may be a half-close (it still reads): what stdin still has goes to it, as
    // nc sends it, until stdin ends or has been quiet for AFTER_PEER_MS. From a terminal there is
    // nothing still to come: the end of the peer is the end.
    let peerEnded = false;
    let inputEnded = false;
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const quietAfterPeer = () => {
      if (quiet !== undefined) clearTimeout(quiet);
      quiet = setTimeout(() => finish(ExitCode.OK), AFTER_PEER_MS);
    };

    // Socket → stdout, until the peer closes.
    (async () => {
      for (;;) {
        const chunk = await sock.recv(65536);
        if (chunk.length === 0) break;
        idle?.touch();
        if (flags.hex) process.stderr.write(hexDump('<', chunk, receivedBytes));
        receivedBytes += chunk.length;
        await writeOut(chunk);
      }
      if (flags.verbose) note('The peer closed the connection.');
      peerEnded = true;
      if (inputEnded || process.stdin.isTTY) finish(ExitCode.OK);
      else quietAfterPeer();
    })().catch((error) => finish(ExitCode.FAILURE, error));

    // stdin → socket; at its end, half-close and (with -q) quit after a while.
    (async () => {
      for await (const raw of process.stdin as AsyncIterable<Buffer>) {
        if (finished) return;
        const data = convert ? convert(raw) : raw;
        idle?.touch();
        if (flags.hex) process.stderr.write(hexDump('>', data, sentBytes));
        sentBytes += data.length;
        await sock.sendAll(data);
        if (peerEnded) quietAfterPeer();
      }
      if (finished) return;
      inputEnded = true;
      if (flags.shutdown) {
        if (flags.verbose) note('End of input: shutting down the write half.');
        await sock.shutdown('write');
      }
      if (peerEnded) finish(ExitCode.OK);
      else if (flags.quitAfterEof !== undefined) {
        setLongTimeout(() => finish(ExitCode.OK), flags.quitAfterEof).unref();
      }
    })().catch((error) =>
      // The peer closed both ways and our last bytes had nowhere to go: nc ends quietly too.
      peerEnded ? finish(ExitCode.OK) : finish(ExitCode.FAILURE, error),
    );
  });
}

function narrateConnected(host: string, sock: StreamSocket): void {
  const remote = sock.remoteAddress!;
  const local = sock.localAddress!;
  const tls = sock.tlsProtocol ? ` using ${sock.tlsProtocol}` : '';
  if (remote.family === 'AF_UNIX' || local.family === 'AF_UNIX') {
    note(`Connected to ${describeEndpoint(remote)}${tls}.`);
  } else {
    const shown = remote.host === host ? host : `${host} (${remote.host})`;
    note(`Connected to ${shown} port ${remote.port} from ${local.host} port ${local.port}${tls}.`);
  }
  if (sock.tlsCipher === null) return;
  note(`TLS: ${sock.tlsCipher.standardName}; ALPN: ${sock.alpnProtocol ?? 'none agreed'}.`);
  const cert = sock.peerCertificate();
  if (cert !== null) {
    const name = (parts: Record<string, string>) =>
      Object.entries(parts)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
    note(
      `Certificate: ${name(cert.subject)}, issued by ${name(cert.issuer)}, valid until ${cert.validTo.toISOString()}, SHA-256 ${cert.fingerprint256}${sock.authorized ? '' : ` (not verified: ${sock.authorizationError ?? 'unknown'})`}.`,
    );
  }
}

/** --tls's companions, read and checked: the CA file (exit 77), a client certificate (58), ALPN. */
function tlsSettings(flags: ConnectFlags) {
  const alpn = flags.alpn?.split(',').map((p) => p.trim());
  if (alpn?.some((p) => p === '' || Buffer.byteLength(p) > 255))
    throw new CliError(
      `Invalid --alpn "${flags.alpn}": comma-separated protocol names of 1 to 255 bytes, such as h2,http/1.1`,
      ExitCode.USAGE,
    );
  return {
    insecure: flags.insecure,
    servername: flags.servername,
    ca: flags.cacert === undefined ? undefined : readCa(flags.cacert),
    ...clientCertificate(flags),
    ...(alpn === undefined ? {} : { alpnProtocols: alpn }),
  };
}

/** Splits stdin into lines, keeping each line's end. */
async function* stdinLines(convert: ((chunk: Buffer) => Buffer) | null): AsyncGenerator<Buffer> {
  let pending = Buffer.alloc(0);
  for await (const raw of process.stdin as AsyncIterable<Buffer>) {
    pending = Buffer.concat([pending, convert ? convert(raw) : raw]);
    let newline = pending.indexOf(0x0a);
    while (newline >= 0) {
      yield pending.subarray(0, newline + 1);
      pending = pending.subarray(newline + 1);
      newline = pending.indexOf(0x0a);
    }
    if (pending.length > 65507)
      throw new CliError(
        'A line of stdin is longer than a UDP datagram can carry (65,507 bytes)',
        ExitCode.USAGE,
      );
  }
  if (pending.length > 0) yield pending;
}

async function runUdp(host: string, port: number, flags: ConnectFlags): Promise<number> {
  const sock = await udp({ family: flags.ipv6 ? 6 : flags.ipv4 ? 4 : undefined });
  await sock.connect(host, port);
  if (flags.verbose) {
    const remote = sock.remoteAddress!;
    note(
      `Sending datagrams to ${host === remote.host ? host : `${host} (${remote.host})`} port ${remote.port} over UDP.`,
    );
  }
  // After stdin ends, how long to wait for the replies still missing.
  const patience = flags.quitAfterEof ?? flags.wait ?? 2000;
  let sent = 0;
  let replies = 0;
  let sentBytes = 0;
  let receivedBytes = 0;
  let inputDone = false;

  return new Promise<number>((resolve, reject) => {
    let finished = false;
    let timer: LongTimer | undefined;
    const finish = (code: number, error?: unknown) => {
      if (finished) return;
      finished = true;
      timer?.clear();
      if (flags.verbose)
        note(
          `Sent ${sent} datagrams (${sentBytes} bytes), received ${replies} (${receivedBytes} bytes).`,
        );
      void sock.close();
      if (error) reject(error);
      else resolve(code);
    };
    const waitForReplies = () => {
      timer?.clear();
      if (sent > 0 && replies >= sent) {
        finish(ExitCode.OK);
        return;
      }
      // A datagram that gets no reply is not a failure: UDP promises none (nc, ncat and socat
      // exit 0 too). A refused port shows up as an ICMP error on the next receive instead.
      timer = setLongTimeout(() => finish(ExitCode.OK), patience);
    };

    (async () => {
      for (;;) {
        const data = await sock.recv(65535);
        replies++;
        if (flags.hex) process.stderr.write(hexDump('<', data, receivedBytes));
        receivedBytes += data.length;
        await writeOut(data);
        if (inputDone) waitForReplies();
      }
    })().catch((error) => finish(ExitCode.FAILURE, error));

    (async () => {
      for await (const line of stdinLines(flags.crlf ? crlfConverter() : null)) {
        if (finished) return;
        if (flags.hex) process.stderr.write(hexDump('>', line, sentBytes));
        sentBytes += line.length;
        sent++;
        await sock.send(line);
      }
      inputDone = true;
      waitForReplies();
    })().catch((error) => finish(ExitCode.FAILURE, error));
  });
}
