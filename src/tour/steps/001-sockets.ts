/**
 * Tutorial 001, "Sockets": names to addresses, QOTD and daytime, HEAD and
 * GET over HTTP and HTTPS, an echo server and client, an asyncio server
 * under load.
 *
 * @module
 */

import { fileURLToPath } from 'node:url';
import { bench } from '../../bench/run.js';
import { connect } from '../../socket/connect.js';
import {
  httpSite,
  httpsSite,
  SERVICES,
  standInPage,
  TOUR_CA,
  tcpService,
  udpService,
} from '../stand-ins.js';
import { exitedCleanly, LOOPBACK, type TourStep } from '../step-tools.js';

/** The stand-in sites' CA, trusted by the examples that check certificates. */
const CA_ENV = { NODE_EXTRA_CA_CERTS: fileURLToPath(TOUR_CA) };

export const TUTORIAL_001: TourStep[] = [
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
];
