/**
 * Tutorial 003, socket programming from zero: the server a browser visits,
 * the Host header, reverse and LAN servers, four ways to frame messages,
 * sending everything, shutdown() versus close().
 *
 * @module
 */

import { request } from '../../http/client.js';
import { hostCheckingSite, SERVICES, tcpService } from '../stand-ins.js';
import { exitedCleanly, LOOPBACK, type TourStep } from '../step-tools.js';

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

export const TUTORIAL_003: TourStep[] = [
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
];
