/**
 * The tour's steps: every tutorial program, in tutorial order, each run
 * against loopback stand-ins with checks of what the tutorial says it
 * does.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bench } from '../bench/run.js';
import { request } from '../http/client.js';
import { getHostName } from '../names/hosts.js';
import { connect } from '../socket/connect.js';
import { listen } from '../socket/server-socket.js';
import { type ExampleOptions, type ExampleRun, RunningExample, runExample } from './harness.js';
import { type Recorder, recordTcp, recordUdp, type WireExchange } from './recorder.js';
import {
  hostCheckingSite,
  httpSite,
  httpsSite,
  SERVICES,
  type StandIn,
  silentServer,
  slowSite,
  standInPage,
  TOUR_CA,
  tcpService,
  udpService,
} from './stand-ins.js';

/** One thing a step checked. */
export interface Check {
  ok: boolean;
  /** What the tutorial says should happen. */
  what: string;
  /** What was seen instead, when it failed. */
  seen?: string;
}

/** The tools a step runs with; everything started through them is stopped after the step. */
export class StepTools {
  readonly runs: ExampleRun[] = [];
  readonly checks: Check[] = [];
  readonly recorders: Recorder[] = [];
  readonly #cleanups: Array<() => Promise<unknown>> = [];

  /** Starts a stand-in; it is closed when the step ends. */
  async standIn(start: () => Promise<StandIn>): Promise<StandIn> {
    const standIn = await start();
    this.#cleanups.push(() => standIn.close());
    return standIn;
  }

  /** A recording relay in front of a TCP (or UDP) port on loopback. */
  async record(port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<Recorder> {
    const recorder =
      protocol === 'tcp' ? await recordTcp('127.0.0.1', port) : await recordUdp('127.0.0.1', port);
    this.recorders.push(recorder);
    this.#cleanups.push(() => recorder.close());
    return recorder;
  }

  /** Runs an example to its end. */
  async run(name: string, args: string[], options?: ExampleOptions): Promise<ExampleRun> {
    const run = await runExample(name, args, options);
    this.runs.push(run);
    return run;
  }

  /** Starts an example that keeps running; it is stopped when the step ends, if not before. */
  start(name: string, args: string[], options?: ExampleOptions): RunningExample {
    const running = RunningExample.start(name, args, options);
    this.#cleanups.push(() => this.finish(running, 'stop'));
    return running;
  }

  /** Collects a started example's run: waiting for it to end by itself, or stopping it. */
  async finish(running: RunningExample, how: 'stop' | 'wait' = 'wait'): Promise<ExampleRun> {
    let run = this.#finished.get(running);
    if (run === undefined) {
      run = how === 'stop' ? running.stop() : running.finished(10_000);
      this.#finished.set(running, run);
      this.runs.push(await run);
    }
    return run;
  }

  readonly #finished = new Map<RunningExample, Promise<ExampleRun>>();

  /** Records a check. */
  expect(ok: boolean, what: string, seen?: string): boolean {
    this.checks.push(
      ok ? { ok, what } : { ok, what, seen: seen === undefined ? undefined : abridge(seen) },
    );
    return ok;
  }

  /** Checks that `text` matches `pattern`. */
  expectMatch(text: string, pattern: RegExp, what: string): boolean {
    return this.expect(pattern.test(text), what, text);
  }

  /** Everything that crossed the recorded relays, in order. */
  get wire(): WireExchange[] {
    return this.recorders.flatMap((r) => r.exchanges);
  }

  async cleanUp(): Promise<void> {
    for (const cleanup of this.#cleanups.reverse()) await cleanup().catch(() => {});
  }
}

function abridge(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

export interface TourStep {
  /** The step's name for --only: the example's name without its number. */
  name: string;
  tutorial: '000' | '001' | '002' | '003' | '004';
  title: string;
  /** What the program does, in a sentence. */
  what: string;
  /** The example files it runs. */
  examples: string[];
  run(t: StepTools): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const exitedCleanly = (run: ExampleRun) => run.code === 0;
const CA_ENV = { NODE_EXTRA_CA_CERTS: fileURLToPath(TOUR_CA) };

/** Whether this machine's own name is in /etc/hosts (so looking it up asks no DNS server). */
function ownNameIsLocal(): boolean {
  try {
    const name = getHostName().toLowerCase();
    return readFileSync('/etc/hosts', 'utf8')
      .split('\n')
      .some((line) =>
        line
          .replace(/#.*/, '')
          .trim()
          .split(/\s+/)
          .slice(1)
          .some((n) => n.toLowerCase() === name),
      );
  } catch {
    return false;
  }
}

/** Runs a framing example: its server, then its client, and checks the server saw each message whole. */
function framingStep(
  name: string,
  title: string,
  what: string,
  wirePattern: RegExp,
  wireWhat: string,
): TourStep {
  const example = `003-framing-${name}`;
  return {
    name: `framing-${name}`,
    tutorial: '003',
    title,
    what,
    examples: [example],
    async run(t) {
      const server = t.start(example, ['server', LOOPBACK, '0']);
      const [, port] = await server.waitFor(/port (\d+)/);
      const relay = await t.record(Number(port));
      const client = await t.run(example, ['client', LOOPBACK, String(relay.port)]);
      t.expect(exitedCleanly(client), 'the client sends its messages and exits 0', client.stderr);
      await server.waitFor(/message: Third, sent on its own\n/).catch(() => {});
      const done = await t.finish(server, 'stop');
      const messages = [...done.stdout.matchAll(/^message: (.*)$/gm)].map((m) => m[1]);
      t.expect(
        JSON.stringify(messages) ===
          JSON.stringify(['Hello, world!', 'Second message', 'Third, sent on its own']),
        'the server decodes three whole messages, in order, though two came in one write',
        done.stdout,
      );
      const sent = Buffer.concat(t.wire.map((w) => w.sent)).toString('latin1');
      t.expectMatch(sent, wirePattern, wireWhat);
    },
  };
}

export const STEPS: TourStep[] = [
  {
    name: 'fetch-root',
    tutorial: '000',
    title: 'Fetch a root document by hand',
    what: 'asks for a server, sends GET / over TCP, prints the reply like repr(); then the three failures',
    examples: ['000-fetch-root'],
    async run(t) {
      const site = await t.standIn(httpSite);
      const relay = await t.record(site.port);
      const ok = await t.run('000-fetch-root', [], { input: `${LOOPBACK}:${relay.port}\n` });
      t.expectMatch(ok.stdout, /^What server do you want to connect to\? /, 'asks which server');
      t.expectMatch(
        ok.stdout,
        /b'HTTP\/1\.1 200 OK\\r\\n/,
        'prints the reply as a bytes literal, status 200',
      );
      t.expectMatch(ok.stdout, /<\/html>\\n'\n$/, 'the whole document, not just the first read');
      t.expect(exitedCleanly(ok), 'exits 0', ok.stderr);
      const sent = Buffer.concat(t.wire.map((w) => w.sent)).toString('latin1');
      t.expectMatch(
        sent,
        /^GET \/ HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nConnection: close\r\n\r\n$/,
        'sends GET / with Host and Connection: close',
      );

      const unknown = await t.run('000-fetch-root', ['no..such..host']);
      t.expectMatch(
        unknown.stderr,
        /Cannot find no\.\.such\.\.host: .*Name or service not known/,
        'a name that does not resolve: "Name or service not known"',
      );
      const closed = await listen({ host: LOOPBACK, port: 0 });
      const freePort = closed.address.port;
      await closed.close();
      const refused = await t.run('000-fetch-root', [LOOPBACK, String(freePort)]);
      t.expectMatch(
        refused.stderr,
        /nothing listens on port \d+: .*refused/i,
        'a port nobody listens on: connection refused',
      );
      const quiet = await t.standIn(silentServer);
      const hung = await t.run('000-fetch-root', [LOOPBACK, String(quiet.port), '1']);
      t.expectMatch(
        hung.stderr,
        /did not answer in time/,
        'a server that never answers: a timeout',
      );
      t.expect(
        [unknown, refused, hung].every((r) => r.code === 1),
        'each failure exits 1 with one line, no stack trace',
        [unknown, refused, hung].map((r) => r.stderr).join(''),
      );
    },
  },
  {
    name: 'gethostbyname',
    tutorial: '001',
    title: 'The IP address of a name',
    what: 'gethostbyname(): the first IPv4 address of a host name',
    examples: ['001-gethostbyname'],
    async run(t) {
      const run = await t.run('001-gethostbyname', ['localhost']);
      t.expectMatch(run.stdout, /^127\.0\.0\.1\n$/, 'localhost is 127.0.0.1');
    },
  },
  {
    name: 'qotd-udp',
    tutorial: '001',
    title: 'Quote of the Day over UDP',
    what: 'sends an empty datagram to a QOTD server (RFC 865) and prints the quote that comes back',
    examples: ['001-qotd-udp'],
    async run(t) {
      const server = await t.standIn(() => udpService(SERVICES.qotd));
      const relay = await t.record(server.port, 'udp');
      const run = await t.run('001-qotd-udp', [LOOPBACK, String(relay.port)]);
      t.expect(
        exitedCleanly(run) && run.stdout.trim().length > 0,
        'prints a quote',
        run.stderr || run.stdout,
      );
      t.expect(run.stdout.length < 512 + 1, 'shorter than 512 characters (RFC 865)', run.stdout);
      const [exchange] = relay.exchanges;
      t.expect(
        exchange?.sentTotal === 0 && (exchange?.receivedTotal ?? 0) > 0,
        'an empty datagram out, one datagram back',
      );
    },
  },
  {
    name: 'daytime-tcp',
    tutorial: '001',
    title: 'Daytime over TCP',
    what: 'connects to a daytime server (RFC 867), which sends the time and hangs up',
    examples: ['001-daytime-tcp'],
    async run(t) {
      const server = await t.standIn(() => tcpService(SERVICES.daytime));
      const relay = await t.record(server.port);
      const run = await t.run('001-daytime-tcp', [LOOPBACK, String(relay.port)]);
      t.expectMatch(
        run.stdout,
        /^\w+day, \w+ \d{1,2}, \d{4} \d\d:\d\d:\d\d-UTC\n$/,
        'prints the date and time',
      );
      t.expect(relay.exchanges[0]?.sentTotal === 0, 'sends nothing: the server speaks first');
    },
  },
  {
    name: 'head-http',
    tutorial: '001',
    title: 'HEAD over HTTP',
    what: 'writes a HEAD request by hand and prints the response head',
    examples: ['001-head-http'],
    async run(t) {
      const site = await t.standIn(httpSite);
      const relay = await t.record(site.port);
      const run = await t.run('001-head-http', [LOOPBACK, String(relay.port)]);
      t.expectMatch(run.stdout, /^HTTP\/1\.1 200 OK\r?\n/, 'status 200');
      t.expectMatch(run.stdout, /Content-Type: text\/html/i, 'header fields, and no body');
      t.expect(!run.stdout.includes('<html>'), 'no body after a HEAD', run.stdout);
    },
  },
  {
    name: 'head-https',
    tutorial: '001',
    title: 'HEAD over HTTPS',
    what: 'the same HEAD over TLS, the certificate checked (the stand-in CA is trusted through NODE_EXTRA_CA_CERTS)',
    examples: ['001-head-https'],
    async run(t) {
      const site = await t.standIn(httpsSite);
      const relay = await t.record(site.port);
      const run = await t.run('001-head-https', ['localhost', String(relay.port)], { env: CA_ENV });
      t.expectMatch(
        run.stdout,
        /^HTTP\/1\.1 200 OK\r?\n/,
        'status 200 over a verified TLS connection',
      );
      const first = relay.exchanges[0]?.sent[0];
      t.expect(first === 0x16, 'what crossed the wire was a TLS handshake, not plain text');
      const untrusted = await t.run('001-head-https', ['localhost', String(site.port)]);
      t.expect(
        untrusted.code !== 0 && /certificate/i.test(untrusted.stderr),
        'without the CA, the certificate is refused',
        untrusted.stderr,
      );
    },
  },
  {
    name: 'get-https',
    tutorial: '001',
    title: 'GET over HTTPS, read until close',
    what: 'GET with Connection: close over TLS, reading until recv() returns no bytes',
    examples: ['001-get-https'],
    async run(t) {
      const site = await t.standIn(httpsSite);
      const relay = await t.record(site.port);
      const run = await t.run('001-get-https', ['localhost', String(relay.port)], { env: CA_ENV });
      t.expectMatch(run.stdout, /^HTTP\/1\.1 200 OK\r?\n/, 'status 200');
      t.expect(run.stdout.includes(standInPage()), 'the whole page, in one piece');
    },
  },
  {
    name: 'echo',
    tutorial: '001',
    title: 'Echo server and client',
    what: 'the server sends back what it receives; the client sends "hello there" and prints the echo',
    examples: ['001-echo-server', '001-echo-client'],
    async run(t) {
      const server = t.start('001-echo-server', [LOOPBACK, '0']);
      const [, port] = await server.waitFor(/socket bound to \S+ port (\d+)/);
      const relay = await t.record(Number(port));
      const client = await t.run('001-echo-client', [LOOPBACK, String(relay.port)]);
      t.expectMatch(client.stdout, /^hello there\n$/, 'the client prints "hello there"');
      const done = await t.finish(server);
      t.expectMatch(
        done.stdout,
        /client closed the connection/,
        'the server sees the client hang up, and exits',
      );
      t.expect(exitedCleanly(done), 'the server exits 0', done.stderr);
    },
  },
  {
    name: 'async-server',
    tutorial: '001',
    title: 'The asyncio server under load',
    what: 'reads once, writes back, closes, for many clients at once; load-tested like ab -c 50 -n 1000',
    examples: ['001-async-server'],
    async run(t) {
      const server = t.start('001-async-server', [LOOPBACK, '0']);
      const [, port] = await server.waitFor(/serving on \S+ port (\d+)/);
      const relay = await t.record(Number(port));
      const probe = await connect(LOOPBACK, relay.port, { timeout: 5000 });
      probe.setTimeout(5000);
      const hello = Buffer.from('GET / HTTP/1.0\r\n\r\n');
      await probe.sendAll(hello);
      const back = await probe.recvExactly(hello.length);
      const eof = await probe.recv(16);
      await probe.close();
      t.expect(
        Buffer.from(back).equals(hello) && eof.length === 0,
        'one client: its bytes come back, then the server closes',
      );
      const report = await bench({
        target: `http://${LOOPBACK}:${port}/`,
        mode: 'oneshot',
        connections: 50,
        requests: 1000,
        timeout: 5000,
      });
      t.expect(
        report.requests === 1000 && report.ok === 1000,
        'socketkit bench --mode oneshot -c 50 -n 1000: 1000 answered, none failed',
        `${report.ok} of ${report.requests} answered`,
      );
      t.checks.at(-1)!.what += ` (${Math.round(report.requestsPerSecond)} requests/s)`;
      const done = await t.finish(server, 'stop');
      t.expect(done.signal === null, 'stops cleanly on SIGTERM', done.stderr);
    },
  },
  {
    name: 'services',
    tutorial: '002',
    title: 'Service names and ports',
    what: 'getservbyname("ssh") and getservbyport(80)',
    examples: ['002-services'],
    async run(t) {
      const run = await t.run('002-services', []);
      t.expectMatch(
        run.stdout,
        /^ssh uses port 22\nport 80 is http\n$/,
        'ssh is port 22, port 80 is http',
      );
    },
  },
  {
    name: 'hosts',
    tutorial: '002',
    title: 'Host names and addresses',
    what: "this machine's name and address, and gethostbyname_ex() of another host",
    examples: ['002-hosts'],
    async run(t) {
      // Looking up this machine's name stays on it when /etc/hosts lists the name; otherwise
      // the tour looks up "localhost" instead, so no question goes to a DNS server.
      const args = ownNameIsLocal() ? ['localhost'] : ['localhost', 'localhost'];
      const run = await t.run('002-hosts', args);
      t.expectMatch(run.stdout, /^this machine is \S+\n/, "prints this machine's name");
      t.expectMatch(run.stdout, /its address: [\d.]+\n/, 'and its IPv4 address');
      t.expectMatch(
        run.stdout,
        /localhost: canonical name localhost, aliases \[.*\], addresses \[.*127\.0\.0\.1.*\]/,
        'localhost: name, aliases and addresses',
      );
    },
  },
  {
    name: 'socket-properties',
    tutorial: '002',
    title: "A socket's family, type and protocol",
    what: 'prints sockets the way Python shows them: fd, family, type, proto, addresses',
    examples: ['002-socket-properties'],
    async run(t) {
      const run = await t.run('002-socket-properties', [LOOPBACK]);
      t.expectMatch(
        run.stdout,
        /<StreamSocket fd=\d+, family=AF_INET, type=SOCK_STREAM, proto=6, laddr=\('127\.0\.0\.1', \d+\), raddr=\('127\.0\.0\.1', \d+\)>/,
        'a TCP socket: AF_INET, SOCK_STREAM',
      );
      t.expectMatch(
        run.stdout,
        /family AF_INET, type SOCK_STREAM, proto 6/,
        'its properties one by one',
      );
      t.expectMatch(
        run.stdout,
        /<DatagramSocket .*type=SOCK_DGRAM, proto=17/,
        'a UDP socket: SOCK_DGRAM, proto 17',
      );
    },
  },
  {
    name: 'bytes-and-text',
    tutorial: '002',
    title: 'Messages are bytes',
    what: 'encode() text to bytes for the socket, decode() it back',
    examples: ['002-bytes-and-text'],
    async run(t) {
      const run = await t.run('002-bytes-and-text', ['hello world!']);
      t.expectMatch(
        run.stdout,
        /bytes: b'hello world!' \(12 bytes\)/,
        "b'hello world!': twelve bytes",
      );
      const accents = await t.run('002-bytes-and-text', ['héllo']);
      t.expectMatch(
        accents.stdout,
        /bytes: b'h\\xc3\\xa9llo' \(6 bytes\)/,
        'é is two bytes in UTF-8',
      );
    },
  },
  {
    name: 'browse-in-chunks',
    tutorial: '002',
    title: 'Browsing a page in chunks, done right',
    what: "reads until the server closes, not until a chunk comes back short (the tutorial's bug)",
    examples: ['002-browse-in-chunks'],
    async run(t) {
      const site = await t.standIn(() => slowSite(300));
      const relay = await t.record(site.port);
      const run = await t.run('002-browse-in-chunks', [LOOPBACK, String(relay.port)]);
      const total = relay.exchanges[0]?.receivedTotal ?? -1;
      t.expectMatch(
        run.stdout,
        /^HTTP\/1\.1 200 OK\r\n[\s\S]*<\/html>\n\n$/,
        'prints the whole page',
      );
      t.expectMatch(
        run.stderr,
        new RegExp(`received ${total} bytes in ([2-9]|\\d\\d+) reads`),
        'every byte the server sent, over several reads',
      );
      t.expect(
        total > 1000,
        'though the first read came back short (the server paused after 1000 bytes of page)',
      );
    },
  },
  {
    name: 'hello-server',
    tutorial: '003',
    title: 'The server a browser visits',
    what: 'prints the request it gets and answers 200, Content-Type and an empty line before "Hello, world!"',
    examples: ['003-hello-server'],
    async run(t) {
      const server = t.start('003-hello-server', [LOOPBACK, '0']);
      const [, port] = await server.waitFor(/open http:\/\/[\d.]+:(\d+)\//);
      const relay = await t.record(Number(port));
      const response = await request(`http://${LOOPBACK}:${relay.port}/`, { timeout: 5000 });
      const body = await response.body.text();
      t.expect(
        response.status === 200 && response.headers.get('content-type') === 'text/html',
        'answers 200 with Content-Type: text/html',
        `${response.status} ${response.headers.get('content-type')}`,
      );
      t.expectMatch(body, /<h1>Hello, world!<\/h1>/, 'the page says "Hello, world!"');
      await server.waitFor(/^---$/m).catch(() => {});
      const done = await t.finish(server, 'stop');
      t.expectMatch(
        done.stdout,
        /GET \/ HTTP\/1\.1\r?\nHost: 127\.0\.0\.1:\d+\r?\n/,
        'and prints the request it was sent',
      );
    },
  },
  {
    name: 'host-header',
    tutorial: '003',
    title: 'Why the Host header matters',
    what: 'a request naming the wrong host gets 421 Misdirected Request; naming the site gets the page',
    examples: ['003-host-header'],
    async run(t) {
      let accepted: string[] = [];
      const site = await t.standIn(() => hostCheckingSite(() => accepted));
      const relay = await t.record(site.port);
      accepted = [`127.0.0.1:${relay.port}`];
      const run = await t.run('003-host-header', [LOOPBACK, String(relay.port)]);
      t.expectMatch(
        run.stdout,
        /Host: localhost:7342 {2}-> {2}HTTP\/1\.1 421 Misdirected Request\n/,
        'the copied browser request (Host: localhost:7342) gets 421',
      );
      t.expectMatch(
        run.stdout,
        /Host: 127\.0\.0\.1:\d+ {2}-> {2}HTTP\/1\.1 200 OK\n/,
        'the right Host gets 200',
      );
    },
  },
  {
    name: 'reverse',
    tutorial: '003',
    title: 'The reverse server and its client',
    what: 'the client sends "Hello, world!", gets it back reversed, then reads b\'\' as the server closes',
    examples: ['003-reverse-server', '003-reverse-client'],
    async run(t) {
      const server = t.start('003-reverse-server', [LOOPBACK, '0']);
      const [, port] = await server.waitFor(/reversing on \S+ port (\d+)/);
      const relay = await t.record(Number(port));
      const client = await t.run('003-reverse-client', [LOOPBACK, String(relay.port)]);
      t.expectMatch(client.stdout, /^!dlrow ,olleH\n/, 'prints "!dlrow ,olleH"');
      t.expectMatch(
        client.stdout,
        /then: b'' \(the server closed\)/,
        "then reads b'': the server closed",
      );
      const done = await t.finish(server, 'stop');
      t.expectMatch(done.stdout, /^Hello, world!$/m, 'the server printed what it received');
    },
  },
  {
    name: 'lan',
    tutorial: '003',
    title: 'Between two devices',
    what: "a server bound to this machine's name (here: loopback) and a client that greets it",
    examples: ['003-lan-server', '003-lan-client'],
    async run(t) {
      const server = t.start('003-lan-server', [LOOPBACK, '0']);
      const [, port] = await server.waitFor(/listening on .* port (\d+)/);
      const relay = await t.record(Number(port));
      const client = await t.run('003-lan-client', [
        LOOPBACK,
        String(relay.port),
        "Hey there, Rodrigo's laptop.",
      ]);
      t.expect(exitedCleanly(client), 'the client connects and sends its greeting', client.stderr);
      const done = await t.finish(server);
      t.expectMatch(
        done.stdout,
        /127\.0\.0\.1 says: Hey there, Rodrigo's laptop\.\n/,
        'the server prints who said what',
      );
    },
  },
  framingStep(
    'fixed',
    'Framing 1: fixed-length messages',
    'every message is 30 bytes, padded with #',
    /^Hello, world!#{17}Second message#{16}Third, sent on its own#{8}$/,
    'on the wire: 30-byte frames padded with #',
  ),
  framingStep(
    'delimited',
    'Framing 2: delimited messages',
    'each message ends with #*#',
    /^Hello, world!#\*#Second message#\*#Third, sent on its own#\*#$/,
    'on the wire: each message followed by #*#',
  ),
  framingStep(
    'length',
    'Framing 3: a length before each message',
    'five ASCII digits give the length, as zfill(5)',
    /^00013Hello, world!00014Second message00022Third, sent on its own$/,
    'on the wire: 00013Hello, world! and so on',
  ),
  framingStep(
    'close',
    'Framing 4: send, then close',
    'the message is everything until the sender shuts down its side',
    /^Hello, world!Second messageThird, sent on its own$/,
    'on the wire: the bare messages, one connection each',
  ),
  {
    name: 'send-all',
    tutorial: '003',
    title: 'Sending everything',
    what: 'sendAll() in a loop: each piece is in the kernel before the next, however slow the receiver',
    examples: ['003-send-all'],
    async run(t) {
      const server = await t.standIn(() => tcpService(SERVICES.discard));
      const relay = await t.record(server.port);
      const run = await t.run('003-send-all', [LOOPBACK, String(relay.port), '4']);
      t.expectMatch(run.stdout, /^sent 4194304 bytes in /, 'reports 4 MiB sent');
      await new Promise((resolve) => setTimeout(resolve, 50));
      t.expect(
        relay.exchanges[0]?.sentTotal === 4194304,
        'and all 4,194,304 bytes reached the server',
        String(relay.exchanges[0]?.sentTotal),
      );
    },
  },
  {
    name: 'shutdown-vs-close',
    tutorial: '003',
    title: 'shutdown() versus close()',
    what: 'half-closes so the server knows the message is complete, still reads the answer, then closes',
    examples: ['003-shutdown-vs-close'],
    async run(t) {
      const server = await t.standIn(() => tcpService(SERVICES.reverse));
      const relay = await t.record(server.port);
      const run = await t.run('003-shutdown-vs-close', [LOOPBACK, String(relay.port), 'stressed']);
      t.expectMatch(
        run.stdout,
        /shut down the write half; still reading\nanswer: desserts\n/,
        'after shutdown("write") the answer still arrives: "desserts"',
      );
      t.expectMatch(
        run.stdout,
        /after close\(\), recv\(\) fails: /,
        'after close(), reading is an error',
      );
    },
  },
  {
    name: 'echo-client',
    tutorial: '004',
    title: 'The line-based echo client',
    what: 'Host: and Port: prompts with validation, then Message: / Response: until an empty message',
    examples: ['004-echo-client'],
    async run(t) {
      const server = await t.standIn(() => tcpService(SERVICES.echo));
      const relay = await t.record(server.port);
      const input = [
        '',
        LOOPBACK,
        '99999',
        String(relay.port),
        'Hello there',
        'How are you?',
        '',
      ].join('\n');
      const run = await t.run('004-echo-client', [], { input: `${input}\n` });
      t.expectMatch(
        run.stdout,
        /Host: Please specify a host \(either a name or an IP address\)\nHost: /,
        'an empty host is asked again',
      );
      t.expectMatch(
        run.stdout,
        /Port: Ports must be an integer between 0 and 65535\nPort: /,
        'a port out of range is asked again',
      );
      t.expectMatch(
        run.stdout,
        /Connecting to 127\.0\.0\.1 \(port \d+\)\.\.\.\nConnected!\n/,
        'connects',
      );
      t.expectMatch(
        run.stdout,
        /Message: Response: Hello there\nMessage: Response: How are you\?\nMessage: Closing connection\.\.\.\nClosed!\n$/,
        'echoes each message; an empty one closes',
      );
      const sent = Buffer.concat(t.wire.map((w) => w.sent)).toString('latin1');
      t.expect(
        sent === 'Hello there\r\nHow are you?\r\n',
        'lines end in CR LF on the wire',
        JSON.stringify(sent),
      );
    },
  },
];
