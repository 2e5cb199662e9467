/**
 * The failure matrix: every CLI command that talks to a peer, and every program in examples/,
 * against peers on loopback that fail in each way a network fails: a name that does not
 * resolve, a refused port, a reset (at once, and half-way through the reply), a peer that never
 * answers, a garbled reply, a reply cut short. Each case must end by itself, with the
 * documented exit code (the README's "Exit codes" for the CLI; non-zero for an example) and one
 * sentence on stderr, never a stack trace.
 *
 * One row per program; each cell names the exit code for one kind of peer, or says why that
 * peer cannot make a difference to the program (`na`). A row is easy to add: copy one that
 * speaks the same protocol. The last test checks that every example and every command that
 * talks to a peer has a row, and that each row covers every peer of its kind.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { CLI, FIXTURES, ROOT, requireBuild } from './_helpers.js';
import {
  ECHO,
  type Endpoint,
  type Failure,
  failingClient,
  failingServer,
  failingUdpServer,
  HTTP,
  HTTPS,
  type Protocol,
  SINK,
  SPEAKS_FIRST,
} from './fixtures/failing-peers.js';

/**
 * The peers each kind of program meets. Rows that read an HTTP head meet two more: `lone-LF`, a
 * good reply whose lines end in LF alone (RFC 9112 §2.2 lets a recipient accept it), and
 * `HTTP/0.9`, a document with no status line or head at all.
 */
const PEERS = {
  /** A TCP client: its server fails. */
  tcp: ['unresolvable', 'refused', 'reset', 'reset-midway', 'silent', 'malformed', 'short'],
  /** A UDP client: a datagram is lost or refused; there is no connection to reset or cut. */
  udp: ['unresolvable', 'refused', 'silent'],
  /** A server: it binds a name that does not resolve, or a client fails it. */
  server: ['unresolvable', 'reset', 'reset-midway', 'malformed', 'short'],
  /** A program that only looks a name up. */
  name: ['unresolvable'],
} as const satisfies Record<string, readonly Failure[]>;

/**
 * What a case must end with: an exit code, and for 0 why no error is the right answer.
 * `orZero` says why the program may also finish cleanly: it was done before the peer's RST
 * arrived, a race TCP leaves open.
 */
type Cell = number | { exit: number; why?: string; orZero?: string };

interface Row {
  /** As shown in test names: a command with its deciding flags, or an example's name. */
  name: string;
  /** The example file (dist/examples/NAME.js), or absent for a CLI command. */
  example?: string;
  kind: keyof typeof PEERS;
  /** What its peer speaks (clients), or what a good client sends and a bad one (servers). */
  protocol?: Protocol;
  client?: { request: string; garbage: string | Buffer };
  /** The command line after `socketkit` or the example's file, given where to connect. */
  args(peer: { host: string; port: number }): string[];
  input?: string;
  env?: Record<string, string>;
  /** How long the program waits for a silent peer before it gives up by itself. */
  waitsMs?: number;
  /** Servers: the line that says the port, and whether one bad client ends the program. */
  ready?: { stream: 'stdout' | 'stderr'; port: RegExp };
  keepsServing?: boolean;
  /** A server that keeps serving: how its answer to `client.request` shows, on the socket or its stdout. */
  answers?: { on: 'socket' | 'stdout'; pattern: RegExp };
  /** stderr lines that are the program's ordinary narration, not an error. */
  narration?: RegExp;
  cells: Partial<Record<Failure, Cell>>;
  /** Peers of its kind that cannot make a difference to it, and why. */
  na?: Partial<Record<Failure, string>>;
}

const LOOPBACK = '127.0.0.1';
const CA = join(FIXTURES, 'ca.pem');
const TRUST_CA = { NODE_EXTRA_CA_CERTS: CA };
/** TLS peers are reached by the name their certificate carries. */
const byName = (host: string) => (host === LOOPBACK ? 'localhost' : host);
const url = (scheme: string, { host, port }: { host: string; port: number }) =>
  `${scheme}://${scheme === 'https' ? byName(host) : host}:${port}/`;

const RAW =
  "reads until the close and prints what came: it parses nothing, so there's nothing to break";
const ONE_READ = 'reads once, as the tutorial does: the half that came is its answer';
const NEVER_READS =
  'sends a few bytes and never reads: nothing the server does after accepting can reach it';
const HEAD_ONLY = 'prints the head as text: it parses no header field';
const READS_EXACT = 'reads what it sent, so a short reply is an error';
const LINE_AT_EOF =
  "readLine() returns a last line without its end, as Python's readline() does: the echo prints it";
const LONE_LF = 'the parser takes a lone LF as a line end, as curl and RFC 9112 §2.2 allow';
const NO_HTTP09 = 'a reply with no status line is HTTP/0.9, which curl also refuses by default';
const SERVES_ON = 'one bad client costs only its connection; the server keeps serving';

const FRAMING_SERVER = (codec: string): Omit<Row, 'name' | 'client' | 'cells' | 'na'> => ({
  example: `003-framing-${codec}`,
  kind: 'server',
  args: ({ host }) => ['server', host, '0'],
  ready: { stream: 'stdout', port: /port (\d+)/ },
  keepsServing: true,
  answers: { on: 'stdout', pattern: /^message: Hello, world!$/m },
});

/** A reset at accept reaches a client that only sends, unless it has finished first. */
const RESET_RACE = {
  exit: 1,
  orZero: 'its few bytes can all be sent before the RST arrives',
};

const FRAMING_CLIENT = (codec: string): Row => ({
  name: `003-framing-${codec} client`,
  example: `003-framing-${codec}`,
  kind: 'tcp',
  protocol: SINK,
  args: ({ host, port }) => ['client', host, String(port)],
  cells: { unresolvable: 1, refused: 1, reset: RESET_RACE },
  na: {
    'reset-midway': NEVER_READS,
    silent: NEVER_READS,
    malformed: NEVER_READS,
    short: NEVER_READS,
  },
});

const KEEPS_SERVING = { exit: 0, why: SERVES_ON };

const ROWS: Row[] = [
  // ── the CLI ────────────────────────────────────────────────────────────────
  {
    name: 'fetch',
    kind: 'tcp',
    protocol: HTTP,
    args: (peer) => ['fetch', '-m', '2', url('http', peer)],
    waitsMs: 2000,
    cells: {
      unresolvable: 6,
      refused: 7,
      reset: 56,
      'reset-midway': 56,
      silent: 28,
      malformed: 8,
      short: 18,
      'lone-LF': { exit: 0, why: LONE_LF },
      'HTTP/0.9': { exit: 8, why: NO_HTTP09 },
    },
  },
  {
    name: 'fetch https',
    kind: 'tcp',
    protocol: HTTPS,
    args: (peer) => ['fetch', '--cacert', CA, '-m', '2', url('https', peer)],
    waitsMs: 2000,
    cells: {
      unresolvable: 6,
      refused: 7,
      // Reset during the TLS handshake is a reset: 56, and the sentence says "during connect".
      reset: 56,
      'reset-midway': 56,
      silent: 28,
      malformed: 8,
      short: 18,
    },
  },
  {
    name: 'connect',
    kind: 'tcp',
    protocol: ECHO,
    args: ({ host, port }) => ['connect', '-w', '2', host, String(port)],
    input: 'hello there\n',
    waitsMs: 2000,
    cells: {
      unresolvable: 6,
      refused: 7,
      reset: 56,
      'reset-midway': 56,
      silent: 28,
      malformed: { exit: 0, why: 'connect carries bytes both ways and reads no format' },
      short: { exit: 0, why: 'connect carries bytes both ways; the close ends them' },
    },
  },
  {
    name: 'connect --udp',
    kind: 'udp',
    args: ({ host, port }) => ['connect', '--udp', '-q', '1', host, String(port)],
    input: 'hello there\n',
    waitsMs: 1000,
    cells: {
      unresolvable: 6,
      refused: 7,
      silent: { exit: 0, why: 'a datagram with no reply is no failure, as for nc (README)' },
    },
  },
  {
    name: 'listen',
    kind: 'server',
    client: { request: 'hello there\n', garbage: '\x00\xff no line end' },
    args: ({ host }) => ['listen', '--host', host, '0'],
    ready: { stream: 'stderr', port: /port (\d+)/ },
    narration: /^Listening on /,
    cells: {
      unresolvable: 6,
      reset: 56,
      'reset-midway': 56,
      malformed: { exit: 0, why: 'listen prints bytes and reads no format' },
      short: { exit: 0, why: 'listen prints bytes; the close ends them' },
    },
  },
  {
    name: 'listen -k',
    kind: 'server',
    client: { request: 'hello there\n', garbage: '\x00\xff no line end' },
    args: ({ host }) => ['listen', '-k', '--host', host, '0'],
    ready: { stream: 'stderr', port: /port (\d+)/ },
    keepsServing: true,
    answers: { on: 'stdout', pattern: /hello there\n/ },
    narration: /^Listening on /,
    cells: {
      unresolvable: 6,
      reset: KEEPS_SERVING,
      'reset-midway': KEEPS_SERVING,
      malformed: KEEPS_SERVING,
      short: KEEPS_SERVING,
    },
  },
  {
    name: 'echo',
    kind: 'tcp',
    protocol: ECHO,
    args: ({ host, port }) => ['echo', host, String(port)],
    input: 'hello there\n',
    waitsMs: 10_000,
    cells: {
      unresolvable: 6,
      refused: 7,
      reset: 56,
      'reset-midway': 56,
      silent: 28,
      malformed: 18,
      short: 18,
    },
  },
  ...(['daytime', 'qotd --tcp'] as const).map(
    (name): Row => ({
      name,
      kind: 'tcp',
      protocol: SPEAKS_FIRST,
      args: ({ host, port }) => [...name.split(' '), host, String(port)],
      waitsMs: 10_000,
      cells: {
        unresolvable: 6,
        refused: 7,
        reset: 56,
        'reset-midway': 56,
        silent: 28,
        malformed: {
          exit: 0,
          why: 'RFC 867 and 865 give the text no syntax: all of it is printed',
        },
        short: { exit: 0, why: 'the reply is whatever came before the close (RFC 867, 865)' },
      },
    }),
  ),
  ...(['daytime --udp', 'qotd'] as const).map(
    (name): Row => ({
      name,
      kind: 'udp',
      args: ({ host, port }) => [...name.split(' '), host, String(port)],
      waitsMs: 6000,
      cells: { unresolvable: 6, refused: 7, silent: 28 },
    }),
  ),
  ...(['http', 'oneshot', 'echo'] as const).map(
    (mode): Row => ({
      name: `bench --mode ${mode}`,
      kind: 'tcp',
      protocol: mode === 'echo' ? ECHO : HTTP,
      args: (peer) => [
        'bench',
        '--mode',
        mode,
        '-c',
        '1',
        '-n',
        '2',
        '--timeout',
        '1',
        '--no-progress',
        mode === 'echo' ? `${peer.host}:${peer.port}` : url('http', peer),
      ],
      waitsMs: 2000,
      // Every request failed: the report (stdout) counts them, and the run exits 1.
      cells: {
        unresolvable: 6,
        refused: 7,
        reset: 1,
        'reset-midway': 1,
        silent: 1,
        malformed: 1,
        short: 1,
      },
    }),
  ),
  {
    name: 'bench --mode udp',
    kind: 'udp',
    args: ({ host, port }) => [
      'bench',
      '--mode',
      'udp',
      '-c',
      '1',
      '-n',
      '2',
      '--timeout',
      '1',
      '--no-progress',
      `${host}:${port}`,
    ],
    waitsMs: 2000,
    cells: {
      unresolvable: 6,
      // UDP has no handshake to fail before the run: the ICMP errors are counted, the run exits 1.
      refused: 1,
      silent: 1,
    },
  },
  {
    name: 'resolve',
    kind: 'name',
    args: ({ host }) => ['resolve', host],
    cells: { unresolvable: 6 },
  },
  {
    name: 'service',
    kind: 'name',
    // The services table is this command's peer: a name it does not hold.
    args: () => ['service', 'no-such-service'],
    cells: { unresolvable: 1 },
  },

  // ── the examples ───────────────────────────────────────────────────────────
  {
    name: '000-fetch-root',
    example: '000-fetch-root',
    kind: 'tcp',
    protocol: HTTP,
    args: ({ host, port }) => [host, String(port), '2'],
    waitsMs: 2000,
    cells: {
      unresolvable: 1,
      refused: 1,
      reset: 1,
      'reset-midway': 1,
      silent: 1,
      malformed: { exit: 0, why: RAW },
      short: { exit: 0, why: RAW },
      'lone-LF': { exit: 0, why: RAW },
      'HTTP/0.9': { exit: 0, why: RAW },
    },
  },
  {
    name: '001-daytime-tcp',
    example: '001-daytime-tcp',
    kind: 'tcp',
    protocol: SPEAKS_FIRST,
    args: ({ host, port }) => [host, String(port)],
    waitsMs: 10_000,
    cells: {
      unresolvable: 1,
      refused: 1,
      reset: 1,
      'reset-midway': { exit: 0, why: ONE_READ },
      silent: 1,
      malformed: { exit: 0, why: ONE_READ },
      short: { exit: 0, why: ONE_READ },
    },
  },
  {
    name: '001-echo-client',
    example: '001-echo-client',
    kind: 'tcp',
    protocol: ECHO,
    args: ({ host, port }) => [host, String(port)],
    waitsMs: 10_000,
    cells: {
      unresolvable: 1,
      refused: 1,
      reset: 1,
      'reset-midway': 1,
      silent: 1,
      malformed: { exit: 1, why: READS_EXACT },
      short: { exit: 1, why: READS_EXACT },
    },
  },
  {
    name: '001-get-https',
    example: '001-get-https',
    kind: 'tcp',
    protocol: HTTPS,
    args: ({ host, port }) => [byName(host), String(port)],
    env: TRUST_CA,
    waitsMs: 10_000,
    cells: {
      unresolvable: 1,
      refused: 1,
      reset: 1,
      'reset-midway': 1,
      silent: 1,
      malformed: { exit: 0, why: RAW },
      short: { exit: 0, why: RAW },
    },
  },
  {
    name: '001-gethostbyname',
    example: '001-gethostbyname',
    kind: 'name',
    args: ({ host }) => [host],
    cells: { unresolvable: 1 },
  },
  ...(['001-head-http', '001-head-https'] as const).map(
    (example): Row => ({
      name: example,
      example,
      kind: 'tcp',
      protocol: example.endsWith('https') ? HTTPS : HTTP,
      args: ({ host, port }) => [example.endsWith('https') ? byName(host) : host, String(port)],
      env: TRUST_CA,
      waitsMs: 10_000,
      cells: {
        unresolvable: 1,
        refused: 1,
        reset: 1,
        'reset-midway': 1,
        silent: 1,
        malformed: { exit: 0, why: HEAD_ONLY },
        short: 1,
        'lone-LF': { exit: 0, why: 'readLine() takes LF and CRLF line ends' },
        'HTTP/0.9': 1,
      },
    }),
  ),
  {
    name: '001-qotd-udp',
    example: '001-qotd-udp',
    kind: 'udp',
    args: ({ host, port }) => [host, String(port)],
    waitsMs: 5000,
    // An unconnected UDP socket hears no ICMP error: a refused port looks like a lost datagram.
    cells: { unresolvable: 1, refused: 1, silent: 1 },
  },
  {
    name: '002-browse-in-chunks',
    example: '002-browse-in-chunks',
    kind: 'tcp',
    protocol: HTTP,
    args: ({ host, port }) => [host, String(port)],
    waitsMs: 10_000,
    narration: /^sent \d+ bytes$|^received \d+ bytes in \d+ reads$/,
    cells: {
      unresolvable: 1,
      refused: 1,
      reset: 1,
      'reset-midway': 1,
      silent: 1,
      malformed: { exit: 0, why: RAW },
      short: { exit: 0, why: RAW },
    },
  },
  {
    name: '002-hosts',
    example: '002-hosts',
    kind: 'name',
    args: ({ host }) => [host, 'localhost'],
    cells: { unresolvable: 1 },
  },
  {
    name: '002-services',
    example: '002-services',
    kind: 'name',
    // The services table is its peer: a name it does not hold.
    args: () => ['no-such-service', '80'],
    cells: { unresolvable: 1 },
  },
  {
    name: '002-socket-properties',
    example: '002-socket-properties',
    kind: 'name',
    args: ({ host }) => [host],
    cells: { unresolvable: 1 },
  },
  {
    name: '003-host-header',
    example: '003-host-header',
    kind: 'tcp',
    protocol: HTTP,
    args: ({ host, port }) => [host, String(port)],
    waitsMs: 10_000,
    cells: {
      unresolvable: 1,
      refused: 1,
      reset: 1,
      'reset-midway': 1,
      silent: 1,
      malformed: {
        exit: 0,
        why: 'it prints the status line: the header fields are not its business',
      },
      short: 1,
      'lone-LF': { exit: 0, why: 'readLine() takes LF and CRLF line ends' },
      'HTTP/0.9': 1,
    },
  },
  {
    name: '003-lan-client',
    example: '003-lan-client',
    kind: 'tcp',
    protocol: SINK,
    args: ({ host, port }) => [host, String(port), 'Hey there'],
    cells: { unresolvable: 1, refused: 1, reset: RESET_RACE },
    na: {
      'reset-midway': NEVER_READS,
      silent: NEVER_READS,
      malformed: NEVER_READS,
      short: NEVER_READS,
    },
  },
  {
    name: '003-reverse-client',
    example: '003-reverse-client',
    kind: 'tcp',
    protocol: ECHO,
    args: ({ host, port }) => [host, String(port)],
    waitsMs: 10_000,
    cells: {
      unresolvable: 1,
      refused: 1,
      reset: 1,
      'reset-midway': 1,
      silent: 1,
      malformed: { exit: 0, why: 'it prints what one recv() brings, then the close' },
      short: { exit: 0, why: 'it prints what one recv() brings, then the close' },
    },
  },
  {
    name: '003-send-all',
    example: '003-send-all',
    kind: 'tcp',
    protocol: SINK,
    // 16 MiB is more than loopback buffers hold, so a server that stops reading is noticed.
    args: ({ host, port }) => [host, String(port), '16'],
    waitsMs: 10_000,
    cells: { unresolvable: 1, refused: 1, reset: 1, 'reset-midway': 1, silent: 1 },
    na: {
      malformed: 'it never reads: what the server says cannot reach it',
      short: 'it never reads: what the server says cannot reach it',
    },
  },
  {
    name: '003-shutdown-vs-close',
    example: '003-shutdown-vs-close',
    kind: 'tcp',
    protocol: ECHO,
    args: ({ host, port }) => [host, String(port)],
    waitsMs: 10_000,
    cells: {
      unresolvable: 1,
      refused: 1,
      reset: 1,
      'reset-midway': 1,
      silent: 1,
      malformed: { exit: 0, why: 'it prints everything until the close as the answer' },
      short: { exit: 0, why: 'it prints everything until the close as the answer' },
    },
  },
  {
    name: '004-echo-client',
    example: '004-echo-client',
    kind: 'tcp',
    protocol: ECHO,
    args: ({ host, port }) => [host, String(port)],
    input: 'hello there\n\n',
    waitsMs: 10_000,
    cells: {
      unresolvable: 1,
      refused: 1,
      reset: 1,
      'reset-midway': 1,
      silent: 1,
      malformed: { exit: 0, why: LINE_AT_EOF },
      short: { exit: 0, why: LINE_AT_EOF },
    },
  },
  ...['fixed', 'delimited', 'length', 'close'].map(FRAMING_CLIENT),
  {
    name: '001-echo-server',
    example: '001-echo-server',
    kind: 'server',
    client: { request: 'hello there', garbage: '\x00\xff' },
    args: ({ host }) => [host, '0'],
    ready: { stream: 'stdout', port: /port (\d+)/ },
    cells: {
      unresolvable: 1,
      reset: 1,
      'reset-midway': 1,
      malformed: { exit: 0, why: 'an echo server sends back any bytes' },
      short: { exit: 0, why: 'an echo server sends back any bytes' },
    },
  },
  {
    name: '003-lan-server',
    example: '003-lan-server',
    kind: 'server',
    client: { request: 'Hey there', garbage: '\x00\xff' },
    args: ({ host }) => [host, '0'],
    ready: { stream: 'stdout', port: /port (\d+)/ },
    cells: {
      unresolvable: 1,
      reset: 1,
      'reset-midway': { exit: 0, why: ONE_READ },
      malformed: { exit: 0, why: ONE_READ },
      short: { exit: 0, why: ONE_READ },
    },
  },
  ...(['001-async-server', '003-reverse-server'] as const).map(
    (example): Row => ({
      name: example,
      example,
      kind: 'server',
      client: { request: 'hello there', garbage: '\x00\xff' },
      args: ({ host }) => [host, '0'],
      ready: { stream: 'stdout', port: /port (\d+)/ },
      keepsServing: true,
      answers: {
        on: 'socket',
        pattern: example === '001-async-server' ? /^hello there$/ : /^ereht olleh$/,
      },
      cells: {
        unresolvable: 1,
        reset: KEEPS_SERVING,
        'reset-midway': KEEPS_SERVING,
        malformed: KEEPS_SERVING,
        short: KEEPS_SERVING,
      },
    }),
  ),
  {
    name: '003-hello-server',
    example: '003-hello-server',
    kind: 'server',
    client: {
      request: 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n',
      garbage: 'not HTTP, and no empty line',
    },
    args: ({ host }) => [host, '0'],
    ready: { stream: 'stdout', port: /:(\d+)\// },
    keepsServing: true,
    answers: { on: 'socket', pattern: /^HTTP\/1\.1 200 OK\r\n[\s\S]*Hello, world!/ },
    cells: {
      unresolvable: 1,
      reset: KEEPS_SERVING,
      'reset-midway': KEEPS_SERVING,
      malformed: KEEPS_SERVING,
      short: KEEPS_SERVING,
    },
  },
  {
    name: '003-framing-fixed server',
    ...FRAMING_SERVER('fixed'),
    client: { request: 'Hello, world!#################', garbage: '' },
    cells: {
      unresolvable: 1,
      reset: KEEPS_SERVING,
      'reset-midway': KEEPS_SERVING,
      short: KEEPS_SERVING,
    },
    na: { malformed: 'any 30 bytes are a message' },
  },
  {
    name: '003-framing-delimited server',
    ...FRAMING_SERVER('delimited'),
    // Longer than maxLength (64 KiB) and no delimiter.
    client: { request: 'Hello, world!#*#', garbage: Buffer.alloc(70_000, 0x61) },
    cells: {
      unresolvable: 1,
      reset: KEEPS_SERVING,
      'reset-midway': KEEPS_SERVING,
      malformed: KEEPS_SERVING,
      short: KEEPS_SERVING,
    },
  },
  {
    name: '003-framing-length server',
    ...FRAMING_SERVER('length'),
    client: { request: '00013Hello, world!', garbage: '0x01fHello' },
    cells: {
      unresolvable: 1,
      reset: KEEPS_SERVING,
      'reset-midway': KEEPS_SERVING,
      malformed: KEEPS_SERVING,
      short: KEEPS_SERVING,
    },
  },
  {
    name: '003-framing-close server',
    ...FRAMING_SERVER('close'),
    // Longer than maxLength (1 MiB).
    client: { request: 'Hello, world!', garbage: Buffer.alloc(1024 * 1024 + 1, 0x61) },
    cells: {
      unresolvable: 1,
      reset: KEEPS_SERVING,
      'reset-midway': KEEPS_SERVING,
      malformed: KEEPS_SERVING,
    },
    na: { short: 'the close is what ends a message: there is no half of one' },
  },
];

/** Examples that talk to no peer at all, and why. */
const NO_PEER: Record<string, string> = {
  '002-bytes-and-text': 'it encodes and decodes a string; no socket, no name',
};

/** CLI commands that talk to no peer, or are tested as servers elsewhere. */
const NOT_IN_MATRIX: Record<string, string> = {
  hostname: "it lists this machine's own interfaces",
  completion: 'it prints a shell script and talks to no peer (test/completion.test.ts)',
  serve: 'its servers meet bad clients in test/cli-serve.test.ts and test/http-server.test.ts',
  tour: 'it runs the examples, which are rows here',
  relay:
    'it waits for a client before it touches its target: test/cli-relay.test.ts gives it an untrusted, a refused and an unresolvable target',
};

// ── running a case ─────────────────────────────────────────────────────────────

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
const JS_ENGINE_ERROR =
  /Cannot read properties of|is not a function|is not defined|is not iterable|\[object Object\]/;
const SLACK_MS = 12_000;

/** At most this many programs start at once, so 2 busy cores keep up. */
class Slots {
  #free: number;
  #waiting: Array<() => void> = [];
  constructor(count: number) {
    this.#free = count;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
const slots = new Slots(Number(process.env.SOCKETKIT_MATRIX_SLOTS ?? 4));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

class Program {
  readonly child: ChildProcess;
  readonly started = performance.now();
  stdout = '';
  stderr = '';
  readonly ended: Promise<Ended>;

  constructor(row: Row, args: string[]) {
    const file = row.example ? join(ROOT, 'dist', 'examples', `${row.example}.js`) : CLI;
    // No CA bundle from the environment unless the row names one: nothing here leaves
    // loopback, and reading a system bundle at start-up costs each process ~0.1 s of CPU.
    const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
    this.child = spawn(process.execPath, [file, ...args], {
      cwd: ROOT,
      env: { ...env, NO_COLOR: '1', ...row.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString('latin1');
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.child.stdin!.on('error', () => {});
    this.child.stdin!.end(row.input ?? '');
    this.ended = new Promise((resolve) => {
      this.child.once('close', (code, signal) =>
        resolve({
          code,
          signal,
          stdout: this.stdout,
          stderr: this.stderr,
          ms: performance.now() - this.started,
        }),
      );
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for the end; past `boundMs` kills it and says so. */
  async end(boundMs: number): Promise<Ended> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), boundMs);
    const ended = await this.ended;
    clearTimeout(timer);
    assert.notEqual(
      ended.signal,
      'SIGKILL',
      `did not end within ${boundMs} ms; stderr: ${JSON.stringify(ended.stderr)}`,
    );
    return ended;
  }

  /** The first group of `pattern` once `stream` (from `from` on) matches it. */
  async waitFor(
    stream: 'stdout' | 'stderr',
    pattern: RegExp,
    boundMs: number,
    from = 0,
  ): Promise<string> {
    const deadline = performance.now() + boundMs;
    for (;;) {
      const match = pattern.exec(this[stream].slice(from));
      if (match) return match[1]!;
      if (!this.running || performance.now() > deadline)
        assert.fail(`never printed ${pattern}: ${JSON.stringify(this.stdout + this.stderr)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** No stack trace, no Node internals, no crash banner; then `atMost` short lines, or `exactly`. */
function checkSentences(
  stderr: string,
  narration: RegExp | undefined,
  count: { atMost: number } | { exactly: number },
): void {
  const context = `stderr: ${JSON.stringify(stderr)}`;
  assert.doesNotMatch(stderr, STACK_FRAME, `a stack trace; ${context}`);
  assert.ok(!stderr.includes('node:internal'), `Node's internals; ${context}`);
  assert.doesNotMatch(stderr, /Node\.js v\d/, `Node's crash banner; ${context}`);
  // A bug caught and printed as a sentence is still a bug.
  assert.doesNotMatch(stderr, JS_ENGINE_ERROR, `a JavaScript error, not a sentence; ${context}`);
  const lines = stderr.split('\n').filter((line) => line.trim() !== '' && !narration?.test(line));
  if ('exactly' in count)
    assert.equal(lines.length, count.exactly, `${count.exactly} sentences on stderr; ${context}`);
  else assert.ok(lines.length <= count.atMost, `at most ${count.atMost} sentences; ${context}`);
  for (const line of lines) assert.ok(line.length <= 300, `a short sentence; ${context}`);
}

/** A failure says one sentence; a success says nothing (beyond the program's narration). */
function checkStderr(row: Row, ended: Ended, failed: boolean): void {
  checkSentences(ended.stderr, row.narration, { exactly: failed ? 1 : 0 });
}

async function runClient(t: TestContext, row: Row, failure: Failure, cell: Cell): Promise<void> {
  const { exit, orZero } = cellOf(cell);
  const peer: Endpoint =
    row.kind === 'udp'
      ? await failingUdpServer(failure)
      : row.kind === 'name'
        ? { host: 'no.such.host!', port: 80, close: async () => {} }
        : await failingServer(failure, row.protocol!);
  try {
    const program = new Program(row, row.args(peer));
    const waits = failure === 'silent' ? (row.waitsMs ?? 0) : 0;
    const ended = await program.end(waits + SLACK_MS);
    t.diagnostic(`exit ${ended.code} after ${Math.round(ended.ms)} ms: ${ended.stderr.trim()}`);
    const expected = orZero !== undefined && ended.code === 0 ? 0 : exit;
    assert.equal(ended.code, expected, `exit code; ${describeEnd(ended)}`);
    checkStderr(row, ended, expected !== 0);
  } finally {
    await peer.close();
  }
}

/** A server that serves one client (or none: it cannot bind), to its end. */
async function runServer(t: TestContext, row: Row, failure: Failure, cell: Cell): Promise<void> {
  const { exit: expected } = cellOf(cell);
  const host = failure === 'unresolvable' ? 'no.such.host!' : LOOPBACK;
  const program = new Program(row, row.args({ host, port: 0 }));
  try {
    if (failure !== 'unresolvable') {
      const port = Number(await program.waitFor(row.ready!.stream, row.ready!.port, SLACK_MS));
      await failingClient(failure, port, Buffer.from(row.client!.request), garbageOf(row));
    }
    const ended = await program.end(SLACK_MS);
    t.diagnostic(`exit ${ended.code} after ${Math.round(ended.ms)} ms: ${ended.stderr.trim()}`);
    assert.equal(ended.code, expected, `exit code; ${describeEnd(ended)}`);
    checkStderr(row, ended, expected !== 0);
  } finally {
    if (program.running) program.child.kill('SIGKILL');
  }
}

/** Sends `request`, half-closes, and returns what comes back before the server closes (5 s at most). */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const sock = netConnect({ host: LOOPBACK, port, allowHalfOpen: true }, () => sock.end(request));
    const timer = setTimeout(() => sock.destroy(), 5000);
    sock.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
    });
    sock.on('error', reject);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

function garbageOf(row: Row): Buffer {
  return Buffer.from(row.client!.garbage);
}

function describeEnd(ended: { stdout: string; stderr: string }): string {
  return `stderr: ${JSON.stringify(ended.stderr)}; stdout: ${JSON.stringify(ended.stdout.slice(0, 300))}`;
}

/**
 * One process of a server that keeps serving, met by its row's bad clients in turn: each must
 * leave it running, at most one sentence the wiser, and answering the good client that comes
 * next. Stopped at the end (SIGTERM), it must exit 0. A crash is noticed by the cell that caused
 * it; the next cell starts afresh.
 */
class SharedServer {
  readonly #row: Row;
  #program: Program | null = null;
  #port = 0;

  constructor(row: Row) {
    this.#row = row;
  }

  async meet(t: TestContext, failure: Failure): Promise<void> {
    const row = this.#row;
    if (this.#program === null || !this.#program.running) {
      this.#program = new Program(row, row.args({ host: LOOPBACK, port: 0 }));
      this.#port = Number(
        await this.#program.waitFor(row.ready!.stream, row.ready!.port, SLACK_MS),
      );
    }
    const program = this.#program;
    const before = program.stderr.length;
    await failingClient(failure, this.#port, Buffer.from(row.client!.request), garbageOf(row));
    const said = program.stderr.slice(before);
    t.diagnostic(said.trim() === '' ? 'said nothing' : said.trim());
    assert.ok(program.running, `it ended after one bad client; ${describeEnd(program)}`);
    checkSentences(said, row.narration, { atMost: 1 });
    // Still serving: a good client that comes next gets its answer.
    const { on, pattern } = row.answers!;
    const printed = program.stdout.length;
    const reply = await exchange(this.#port, row.client!.request);
    if (on === 'socket') assert.match(reply, pattern, `the next, good client's answer`);
    else await program.waitFor('stdout', new RegExp(`(${pattern.source})`, 'm'), 5000, printed);
  }

  async stop(): Promise<void> {
    const program = this.#program;
    assert.ok(program?.running, 'no server left running to stop');
    program.child.kill('SIGTERM');
    const ended = await program.end(SLACK_MS);
    assert.equal(ended.code, 0, `exit code on SIGTERM; ${describeEnd(ended)}`);
    checkSentences(ended.stderr, this.#row.narration, {
      atMost: Object.keys(this.#row.cells).length,
    });
  }
}

function cellOf(cell: Cell): Exclude<Cell, number> {
  return typeof cell === 'number' ? { exit: cell } : cell;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}

function caseName(row: Row, failure: Failure, cell: Cell): string {
  const { exit, orZero } = cellOf(cell);
  const who = row.kind === 'server' && failure !== 'unresolvable' ? 'client' : 'peer';
  const outcome =
    exit !== 0
      ? `exit ${exit}${orZero ? ' (or 0 if done before the RST)' : ''}, one sentence`
      : row.keepsServing
        ? 'keeps serving, one sentence at most'
        : 'exit 0, no error';
  return `${row.name} against ${article(failure)} ${who}: ${outcome}`;
}

describe('the failure matrix', { concurrency: true }, () => {
  requireBuild();
  const cells = (row: Row) =>
    Object.entries(row.cells).map(([failure, cell]) => ({
      failure: failure as Failure,
      cell: cell!,
    }));
  const each = (row: Row, failure: Failure, cell: Cell, work: () => Promise<void>) => {
    const { exit, why } = cellOf(cell);
    assert.ok(exit !== 0 || why !== undefined, `${row.name}: an exit of 0 needs a reason`);
    // The ones that wait out a timeout take no slot: they sleep, mostly.
    return failure === 'silent' ? work() : slots.run(work);
  };
  const clients = ROWS.flatMap((row) =>
    cells(row)
      .filter(({ failure }) => !row.keepsServing || failure === 'unresolvable')
      .map((c) => ({ row, ...c })),
  );
  // Those that wait out a timeout start first, so the others run while they wait.
  clients.sort((a, b) => Number(b.failure === 'silent') - Number(a.failure === 'silent'));
  for (const { row, failure, cell } of clients) {
    test(caseName(row, failure, cell), (t) =>
      each(row, failure, cell, () =>
        row.kind === 'server' ? runServer(t, row, failure, cell) : runClient(t, row, failure, cell),
      ),
    );
  }
  for (const row of ROWS.filter((r) => r.keepsServing)) {
    describe(`${row.name}, one process for every bad client`, { concurrency: false }, () => {
      const server = new SharedServer(row);
      for (const { failure, cell } of cells(row).filter((c) => c.failure !== 'unresolvable')) {
        test(caseName(row, failure, cell), (t) =>
          each(row, failure, cell, () => server.meet(t, failure)),
        );
      }
      test(`${row.name}, after every bad client: exit 0 when stopped`, () =>
        slots.run(() => server.stop()));
    });
  }

  test('every example and every command that talks to a peer has a row covering each of its peers', () => {
    const examples = readdirSync(join(ROOT, 'examples'))
      .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
      .map((f) => f.replace(/\.ts$/, ''));
    const covered = new Set(ROWS.map((row) => row.example).filter((e) => e !== undefined));
    assert.deepEqual(
      examples.filter((e) => !covered.has(e) && !(e in NO_PEER)),
      [],
      'examples with no row',
    );
    const commands = readdirSync(join(ROOT, 'src', 'cli', 'commands'))
      .filter((f) => f.endsWith('.ts') && !f.startsWith('_') && !f.endsWith('.test.ts'))
      .map((f) => f.replace(/\.ts$/, ''));
    const rowCommands = new Set(ROWS.filter((r) => !r.example).map((r) => r.name.split(' ')[0]));
    assert.deepEqual(
      commands.filter((c) => !rowCommands.has(c) && !(c in NOT_IN_MATRIX)),
      [],
      'commands with no row',
    );
    for (const row of ROWS) {
      const missing = PEERS[row.kind].filter((p) => !(p in row.cells) && !(p in (row.na ?? {})));
      assert.deepEqual(missing, [], `${row.name}: peers with neither an exit code nor a reason`);
      if (row.keepsServing)
        assert.ok(row.answers, `${row.name}: a server that keeps serving needs its good answer`);
    }
  });
});
