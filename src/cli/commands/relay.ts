/**
 * `socketkit relay LISTEN TARGET`: socat's `-v` and `-x`, a man in the middle for learning and
 * debugging. Accepts on LISTEN, connects each client to TARGET, forwards both ways byte for byte
 * (half-closes included) and shows every exchange on stderr: text, a hex dump, or JSON lines;
 * `--record FILE` writes the JSON lines to a file as well. `--tls-terminate` speaks TLS to the
 * clients, so what is shown and recorded is the decrypted bytes.
 *
 * @module
 */

import { createWriteStream, type WriteStream } from 'node:fs';
import { isIP } from 'node:net';
import { Command } from 'commander';
import { describeEndpoint } from '../../core/address.js';
import { reprBody } from '../../core/bytes.js';
import { resolvePort } from '../../core/service-table.js';
import { type RelayEvent, type RelayListen, type RelayTarget, relay } from '../../relay/relay.js';
import { readCa, type ServerTls, tlsFromFlags } from '../_certificate.js';
import { parsePositiveInt, parseSeconds } from '../_options.js';
import { hexDump, note } from '../_output.js';
import { CliError, ExitCode } from '../exit-codes.js';

interface RelayFlags {
  hex?: boolean;
  json?: boolean;
  record?: string;
  keepOpen?: boolean;
  quiet?: boolean;
  insecure?: boolean;
  cacert?: string;
  tlsTerminate?: boolean;
  cert?: string;
  key?: string;
  maxConnections?: number;
  idleTimeout?: number;
  connectTimeout?: number;
}

/** `host:port` with an optional `[v6]`, and a port that may be a service name. */
function hostPort(
  text: string,
  what: string,
  protocol: 'tcp' | 'udp',
): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:([^:]+)$/.exec(text) ?? /^([^:[\]]+):([^:]+)$/.exec(text);
  if (match === null) {
    throw new CliError(
      `Invalid ${what} "${text}": give HOST:PORT (or [IPv6]:PORT)`,
      ExitCode.USAGE,
    );
  }
  try {
    return { host: match[1]!, port: resolvePort(match[2]!, protocol) };
  } catch (error) {
    throw new CliError(`Invalid ${what} "${text}": ${(error as Error).message}`, ExitCode.USAGE);
  }
}

/** LISTEN: `PORT`, `HOST:PORT`, `unix:PATH`, `udp:PORT` or `udp:HOST:PORT`. */
function parseListen(text: string): RelayListen {
  if (text.startsWith('unix:')) return { protocol: 'tcp', port: 0, path: unixPath(text, 'LISTEN') };
  const protocol = text.startsWith('udp:') ? 'udp' : 'tcp';
  const rest = text.replace(/^(udp|tcp):/, '');
  if (/^\d+$/.test(rest)) {
    const port = Number(rest);
    if (port > 65535)
      throw new CliError(`Invalid LISTEN "${text}": a port is 0 to 65535`, ExitCode.USAGE);
    return { protocol, port };
  }
  return { protocol, ...hostPort(rest, 'LISTEN', protocol) };
}

/** The PATH of `unix:PATH`. */
function unixPath(text: string, what: string): string {
  const path = text.slice('unix:'.length);
  if (path === '')
    throw new CliError(
      `Invalid ${what} "${text}": give unix:PATH, the socket's path`,
      ExitCode.USAGE,
    );
  return path;
}

/** TARGET: `HOST:PORT`, `tls:HOST:PORT`, `unix:PATH` or `udp:HOST:PORT`. */
function parseTarget(text: string, insecure: boolean, ca?: Buffer): RelayTarget {
  if (text.startsWith('unix:')) {
    if (insecure || ca !== undefined)
      throw new CliError('--insecure and --cacert go with a tls:HOST:PORT target', ExitCode.USAGE);
    return { protocol: 'tcp', host: '', port: 0, path: unixPath(text, 'TARGET') };
  }
  const scheme = /^(tcp|tls|udp):/.exec(text)?.[1] ?? 'tcp';
  const rest = text.replace(/^(tcp|tls|udp):/, '');
  const protocol = scheme === 'udp' ? 'udp' : 'tcp';
  const { host, port } = hostPort(rest, 'TARGET', protocol);
  return {
    protocol,
    host,
    port,
    tls:
      scheme === 'tls'
        ? { insecure, ca, servername: isIP(host) === 0 ? host : undefined }
        : undefined,
  };
}

/** Bytes as text for the `>`/`<` lines: printable ASCII as is, the rest escaped as Python would. */
function textLines(prefix: string, bytes: Uint8Array): string {
  const escaped = reprBody(bytes);
  const lines = escaped.split('\\n');
  const ended = bytes.at(-1) === 0x0a;
  if (ended) lines.pop();
  return `${lines.map((line, i) => `${prefix}${line}${i < lines.length - 1 || ended ? '\\n' : ''}`).join('\n')}\n`;
}

/** The JSON line of an event, as `--json` prints and `--record` writes it. */
function jsonLine(event: RelayEvent): string {
  const base = {
    time: new Date(event.time).toISOString(),
    connection: event.connection,
    event: event.kind,
  };
  switch (event.kind) {
    case 'open':
      return JSON.stringify({ ...base, client: event.client });
    case 'tls':
      return JSON.stringify({ ...base, protocol: event.protocol, cipher: event.cipher });
    case 'connected':
      return JSON.stringify({ ...base, target: event.target });
    case 'data':
      return JSON.stringify({
        ...base,
        direction: event.direction,
        length: event.bytes.length,
        base64: Buffer.from(event.bytes).toString('base64'),
        text: Buffer.from(event.bytes).toString('latin1'),
      });
    case 'end':
      return JSON.stringify({ ...base, direction: event.direction });
    case 'close':
      return JSON.stringify({
        ...base,
        sent: event.sent,
        received: event.received,
        reason: event.reason,
      });
  }
}

export function relayCommand(): Command {
  return new Command('relay')
    .description('forward LISTEN to TARGET both ways and show every byte that passes (socat -v)')
    .argument(
      '<listen>',
      'PORT, HOST:PORT, unix:PATH, udp:PORT or udp:HOST:PORT (binds 127.0.0.1 unless a host is given)',
    )
    .argument('<target>', 'HOST:PORT, tls:HOST:PORT, unix:PATH or udp:HOST:PORT')
    .option('--hex', 'show the bytes as a hex dump instead of text')
    .option(
      '--json',
      'one JSON line per event on stdout (time, connection, direction, bytes as base64 and text)',
    )
    .option('--record <file>', 'also write the JSON lines to FILE')
    .option('-k, --keep-open', 'relay connection after connection (default: one, then exit)')
    .option('-q, --quiet', 'show nothing but the connections opening and closing')
    .option(
      '--tls-terminate',
      'speak TLS to the clients (with --cert/--key, or a throwaway self-signed certificate) and show the decrypted bytes',
    )
    .option('--cert <file>', 'with --tls-terminate: the certificate chain to show clients (PEM)')
    .option('--key <file>', 'with --tls-terminate: its private key (PEM)')
    .option('--insecure', 'with tls:TARGET, do not verify its certificate')
    .option('--cacert <file>', 'with tls:TARGET, trust the CA certificates in this PEM file')
    .option('--max-connections <n>', 'connections relayed at once (default 1024)', parsePositiveInt)
    .option(
      '--idle-timeout <duration>',
      'close a connection silent both ways this long (default 5m)',
      parseSeconds,
    )
    .option(
      '--connect-timeout <duration>',
      'give up connecting to TARGET after this long (default 10s)',
      parseSeconds,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ socketkit relay 9000 127.0.0.1:8080          then: socketkit fetch 127.0.0.1:9000
  $ socketkit relay -k --hex 9000 tls:localhost:8443 --cacert cert.pem   (the file serve http --tls prints)
  $ socketkit relay --record session.jsonl udp:9007 udp:127.0.0.1:7007
  $ socketkit relay --tls-terminate -k 8443 127.0.0.1:8080   then: curl --cacert <the file it prints> https://localhost:8443/`,
    )
    .action(async (listenText: string, targetText: string, flags: RelayFlags) => {
      process.exitCode = await runRelay(
        parseListen(listenText),
        parseTarget(
          targetText,
          flags.insecure ?? false,
          flags.cacert === undefined ? undefined : readCa(flags.cacert),
        ),
        flags,
      );
    });
}

async function runRelay(
  listen: RelayListen,
  target: RelayTarget,
  flags: RelayFlags,
): Promise<number> {
  if (listen.protocol !== target.protocol) {
    throw new CliError(
      `Cannot relay ${listen.protocol.toUpperCase()} to ${target.protocol.toUpperCase()}: use udp: on both sides or neither`,
      ExitCode.USAGE,
    );
  }
  if ((flags.insecure || flags.cacert !== undefined) && !target.tls)
    throw new CliError(
      `${flags.insecure ? '--insecure' : '--cacert'} needs a tls:HOST:PORT target`,
      ExitCode.USAGE,
    );
  if (!flags.tlsTerminate && (flags.cert !== undefined || flags.key !== undefined))
    throw new CliError(
      `${flags.cert !== undefined ? '--cert' : '--key'} needs --tls-terminate (it is what the relay shows its clients)`,
      ExitCode.USAGE,
    );
  if (flags.tlsTerminate && listen.protocol === 'udp')
    throw new CliError(
      '--tls-terminate needs a TCP or unix: LISTEN: there is no TLS over UDP here (DTLS is not supported)',
      ExitCode.USAGE,
    );
  const tls: ServerTls | undefined = flags.tlsTerminate
    ? tlsFromFlags({ tls: true, cert: flags.cert, key: flags.key })
    : undefined;
  const front: RelayListen =
    tls === undefined ? listen : { ...listen, tls: { key: tls.key, cert: tls.cert } };
  let record: WriteStream | null = null;
  if (flags.record !== undefined) {
    record = createWriteStream(flags.record, { flags: 'w' });
    await new Promise<void>((resolve, reject) => {
      record!.once('open', () => resolve());
      record!.once('error', (error) =>
        reject(
          new CliError(
            `Cannot write --record ${flags.record}: ${error.message}`,
            ExitCode.WRITE_ERROR,
          ),
        ),
      );
    });
  }
  const offsets = new Map<string, number>();
  const show = (event: RelayEvent): Promise<void> | undefined => {
    const line = record !== null || flags.json ? jsonLine(event) : '';
    if (record !== null) record.write(`${line}\n`);
    if (flags.json) {
      return new Promise((resolve) => process.stdout.write(`${line}\n`, () => resolve()));
    }
    const tag = `[${event.connection}]`;
    switch (event.kind) {
      case 'open':
        note(`${tag} connection from ${describeEndpoint(event.client)}`);
        return undefined;
      case 'tls':
        note(`${tag} TLS with the client: ${event.protocol}, ${event.cipher}`);
        return undefined;
      case 'connected':
        note(`${tag} connected to ${describeEndpoint(event.target)}${target.tls ? ' (TLS)' : ''}`);
        return undefined;
      case 'data': {
        if (flags.quiet) return undefined;
        const key = `${event.connection}${event.direction}`;
        const offset = offsets.get(key) ?? 0;
        offsets.set(key, offset + event.bytes.length);
        process.stderr.write(
          flags.hex
            ? hexDump(`${tag} ${event.direction}`, event.bytes, offset)
            : textLines(`${tag} ${event.direction} `, event.bytes),
        );
        return undefined;
      }
      case 'end':
        if (!flags.quiet)
          note(
            `${tag} ${event.direction} (end: ${event.direction === '>' ? 'the client' : 'the target'} shut down its write half)`,
          );
        return undefined;
      case 'close':
        offsets.delete(`${event.connection}>`);
        offsets.delete(`${event.connection}<`);
        note(
          `${tag} closed: ${event.sent} bytes >, ${event.received} bytes <${event.reason ? ` (${event.reason})` : ''}`,
        );
        return undefined;
    }
  };
  const running = await relay({
    listen: front,
    target,
    onEvent: show,
    once: !flags.keepOpen,
    maxConnections: flags.maxConnections ?? 1024,
    idleTimeout: flags.idleTimeout ?? 300_000,
    connectTimeout: flags.connectTimeout ?? 10_000,
  });
  note(
    `Relaying ${listen.path !== undefined ? '' : `${listen.protocol.toUpperCase()} `}${describeEndpoint(running.address)}${tls ? ' (TLS, decrypted here)' : ''} to ${target.tls ? 'TLS ' : ''}${target.path !== undefined ? `the socket ${target.path}` : `${target.host} port ${target.port}`}${flags.keepOpen ? '' : ' (one connection; -k for more)'}.`,
  );
  if (tls) note(tls.describe);
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await Promise.race([running.done, stop]);
  await running.close();
  if (record !== null) await new Promise<void>((resolve) => record!.end(() => resolve()));
  return ExitCode.OK;
}
