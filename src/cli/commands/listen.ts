/**
 * `socketkit listen PORT`: netcat's `-l`. Accepts a connection, prints what
 * arrives byte for byte, sends stdin back, and exits when the peer closes
 * (`-k` accepts the next one instead). Point a browser at it to see the
 * request it sends.
 *
 * @module
 */

import { isIP } from 'node:net';
import { Command, Option } from 'commander';
import type { SocketAddress } from '../../core/address.js';
import { udp } from '../../socket/datagram-socket.js';
import { listen, type ServerSocket } from '../../socket/server-socket.js';
import type { StreamSocket } from '../../socket/stream-socket.js';
import { tlsFromFlags } from '../_certificate.js';
import { parseHost, parsePort } from '../_options.js';
import { hexDump, note, reportError, writeOut } from '../_output.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { describeReachability } from './_reachability.js';
import { crlfConverter } from './connect.js';

interface ListenFlags {
  host?: string;
  tls?: boolean;
  cert?: string;
  key?: string;
  keepOpen?: boolean;
  udp?: boolean;
  crlf?: boolean;
  shutdown: boolean;
  ipv6?: boolean;
  verbose?: boolean;
  hex?: boolean;
  unix?: string;
  port?: number;
  json?: boolean;
}

export function listenCommand(): Command {
  return new Command('listen')
    .description('wait for a connection on PORT: print what arrives, send stdin back')
    .argument('[port]', 'the port to listen on (0: any free port)', parsePort)
    .option('-p, --port <port>', 'the port, as nc -l -p PORT spells it', parsePort)
    .option(
      '-U, --unix <path>',
      'listen on this Unix domain socket instead (a stale socket file is replaced)',
    )
    .option(
      '--host <host>',
      'the address to bind (default 127.0.0.1, or ::1 with -6; 0.0.0.0: every interface)',
      parseHost,
    )
    .option('-k, --keep-open', 'after a connection ends, accept the next one')
    .option('-u, --udp', 'receive UDP datagrams instead; stdin goes to the last sender')
    .option('-C, --crlf', 'send line ends as CRLF')
    .option('--no-shutdown', 'keep the write half open when stdin ends')
    .addOption(new Option('-6, --ipv6', 'listen on ::1 (IPv6) unless --host says otherwise'))
    .option('--tls', 'speak TLS (with --cert/--key, or a throwaway self-signed certificate)')
    .option('--cert <file>', 'with --tls: the certificate chain (PEM)')
    .option('--key <file>', 'with --tls: its private key (PEM)')
    .option('-v, --verbose', 'narrate on stderr (the address, each connection)')
    .option('--hex', 'hex-dump both directions on stderr (> sent, < received)')
    .option('--json', 'after each connection, a summary of it on stderr as one JSON line')
    .addHelpText(
      'after',
      `
Examples:
  $ socketkit listen -v 9090          then open http://127.0.0.1:9090/ in a browser
  $ socketkit listen --udp 9999
  $ socketkit listen --host 0.0.0.0 7342   reachable from other devices
  $ socketkit listen -U /tmp/demo.sock`,
    )
    .action(async (portArgument: number | undefined, flags: ListenFlags) => {
      if (portArgument !== undefined && flags.port !== undefined && portArgument !== flags.port)
        throw new CliError(
          `Two ports: ${portArgument} and -p ${flags.port}; give one`,
          ExitCode.USAGE,
        );
      const stop = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      if (flags.unix !== undefined) {
        const port = portArgument ?? flags.port;
        for (const [given, name] of [
          [port !== undefined, `a port (${port})`],
          [flags.host !== undefined, '--host'],
          [flags.udp, '--udp'],
          [flags.ipv6, '-6'],
        ] as const) {
          if (given)
            throw new CliError(
              `-U (a Unix stream socket) cannot be used with ${name}`,
              ExitCode.USAGE,
            );
        }
        process.exitCode = await listenTcp({ path: flags.unix }, flags, stop);
        return;
      }
      const port = portArgument ?? flags.port;
      if (port === undefined)
        throw new CliError(
          'listen needs a PORT (or -U PATH): socketkit listen 8080',
          ExitCode.USAGE,
        );
      if (flags.ipv6 && flags.host !== undefined && isIP(flags.host) === 4) {
        throw new CliError(
          `--host ${flags.host} is an IPv4 address and -6 asks for IPv6: give one or the other`,
          ExitCode.USAGE,
        );
      }
      const host = flags.host ?? (flags.ipv6 ? '::1' : '127.0.0.1');
      if (flags.udp && (flags.tls || flags.json))
        throw new CliError(
          `${flags.tls ? '--tls' : '--json'} cannot be used with --udp`,
          ExitCode.USAGE,
        );
      process.exitCode = flags.udp
        ? await listenUdp(host, port, flags, stop)
        : await listenTcp({ host, port }, flags, stop);
    });
}

/** One stdin reader shared by successive connections: a chunk read but not sent is kept for the next. */
class StdinReader {
  readonly #iterator = (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  #pending: Promise<IteratorResult<Buffer>> | null = null;
  ended = false;

  /** The next chunk; call `taken()` once it has been used. */
  peek(): Promise<IteratorResult<Buffer>> {
    this.#pending ??= this.#iterator.next();
    return this.#pending;
  }

  taken(): void {
    this.#pending = null;
  }
}

function announce(
  kind: string,
  address: SocketAddress,
  requestedPort: number,
  flags: ListenFlags,
): void {
  if (flags.verbose || requestedPort === 0) {
    note(`Listening on ${address.host} port ${address.port} (${kind}).`);
  }
  const reach = describeReachability(address);
  if (reach) note(reach);
}

async function listenTcp(
  where: { host: string; port: number } | { path: string },
  flags: ListenFlags,
  stop: Promise<void>,
): Promise<number> {
  const tls = tlsFromFlags(flags);
  let server: ServerSocket;
  if ('path' in where) {
    server = await listen({ path: where.path, tls });
    if (tls) note(tls.describe);
    if (flags.verbose) note(`Listening on the socket ${where.path} (Unix stream).`);
  } else {
    const tcp = await listen({ host: where.host, port: where.port, tls });
    server = tcp;
    if (tls) note(tls.describe);
    announce('TCP', tcp.address, where.port, flags);
  }
  const stdin = new StdinReader();
  const convert = flags.crlf ? crlfConverter() : null;
  const stopped = stop.then(() => 'stopped' as const);
  try {
    do {
      const next = await Promise.race([server.accept(), stopped]);
      if (next === 'stopped') return ExitCode.OK;
      const [sock, peer] = next;
      if (flags.verbose)
        note(
          peer.family === 'AF_UNIX'
            ? 'Connection on the socket.'
            : `Connection from ${peer.host} port ${peer.port}.`,
        );
      let stopping = false;
      const counts = { sent: 0, received: 0, started: performance.now() };
      const tlsProtocol = sock.tlsProtocol;
      const summary = (ended: string, error?: unknown) => {
        if (!flags.json) return;
        note(
          JSON.stringify({
            remote: peer,
            local: sock.localAddress,
            tls: tlsProtocol,
            sent: counts.sent,
            received: counts.received,
            ms: Math.round((performance.now() - counts.started) * 10) / 10,
            ended,
            ...(error === undefined ? {} : { error: (error as Error).message }),
          }),
        );
      };
      const serving = serveConnection(sock, stdin, convert, flags, counts).then(
        () => {
          summary('the peer closed');
          return 'closed' as const;
        },
        (error: unknown) => {
          if (stopping) return 'closed' as const; // the close below cut it short, on purpose
          summary('error', error);
          // One connection failing is the end of the command only when it serves one (no -k).
          if (!flags.keepOpen) throw error;
          reportError(error instanceof Error ? error.message : String(error));
          return 'failed' as const;
        },
      );
      const outcome = await Promise.race([serving, stopped]);
      if (outcome === 'stopped') {
        stopping = true;
        summary('stopped (Ctrl-C)');
        await sock.close();
        return ExitCode.OK;
      }
      if (flags.verbose && outcome === 'closed')
        note(
          peer.family === 'AF_UNIX'
            ? 'The client closed the connection.'
            : `${peer.host} port ${peer.port} closed the connection.`,
        );
    } while (flags.keepOpen);
    return ExitCode.OK;
  } finally {
    await server.close();
  }
}

async function serveConnection(
  sock: StreamSocket,
  stdin: StdinReader,
  convert: ((chunk: Buffer) => Buffer) | null,
  flags: ListenFlags,
  counts: { sent: number; received: number },
): Promise<void> {
  let received = 0;
  let sent = 0;
  let peerDone = false;
  const receiving = (async () => {
    for (;;) {
      const chunk = await sock.recv(65536);
      if (chunk.length === 0) break;
      if (flags.hex) process.stderr.write(hexDump('<', chunk, received));
      received += chunk.length;
      counts.received = received;
      await writeOut(chunk);
    }
    peerDone = true;
  })();
  const closed = receiving.then(
    () => 'closed' as const,
    () => 'closed' as const,
  );

  const sending = (async () => {
    while (!peerDone) {
      if (stdin.ended) break;
      const next = await Promise.race([stdin.peek(), closed]);
      if (next === 'closed') return;
      stdin.taken();
      if (next.done) {
        stdin.ended = true;
        break;
      }
      const data = convert ? convert(next.value) : next.value;
      if (flags.hex) process.stderr.write(hexDump('>', data, sent));
      sent += data.length;
      counts.sent = sent;
      await sock.sendAll(data);
    }
    if (stdin.ended && flags.shutdown && !peerDone) await sock.shutdown('write');
  })();

  try {
    await receiving;
    // The peer is gone; a write still under way may fail, which no longer matters.
    await sending.catch(() => {});
  } finally {
    await sock.close();
  }
}

async function listenUdp(
  host: string,
  port: number,
  flags: ListenFlags,
  stop: Promise<void>,
): Promise<number> {
  const sock = await udp({ bind: { host, port } });
  announce('UDP', sock.localAddress!, port, flags);
  let peer: SocketAddress | null = null;
  let received = 0;
  let sent = 0;
  const convert = flags.crlf ? crlfConverter() : null;
  let firstPeer: () => void = () => {};
  const peerKnown = new Promise<void>((resolve) => {
    firstPeer = resolve;
  });

  const receiving = (async () => {
    for (;;) {
      const { data, address } = await sock.recvFrom(65535);
      if (
        flags.verbose &&
        (peer === null || peer.host !== address.host || peer.port !== address.port)
      ) {
        note(`Datagram from ${address.host} port ${address.port}.`);
      }
      peer = address;
      firstPeer();
      if (flags.hex) process.stderr.write(hexDump('<', data, received));
      received += data.length;
      await writeOut(data);
    }
  })();

  void (async () => {
    for await (const raw of process.stdin as AsyncIterable<Buffer>) {
      await peerKnown;
      const data = convert ? convert(raw) : raw;
      if (flags.hex) process.stderr.write(hexDump('>', data, sent));
      sent += data.length;
      const to = peer as SocketAddress | null;
      if (to) await sock.sendTo(data, to.host, to.port);
    }
  })().catch(() => {});

  try {
    await Promise.race([stop, receiving]);
    return ExitCode.OK;
  } finally {
    await sock.close();
  }
}
