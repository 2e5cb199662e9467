/**
 * Tutorial 004, "Network and sockets": the line-based echo client with its
 * prompts.
 *
 * @module
 */

import { SERVICES, tcpService } from '../stand-ins.js';
import { LOOPBACK, type TourStep } from '../step-tools.js';

export const TUTORIAL_004: TourStep[] = [
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
