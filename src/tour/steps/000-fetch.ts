/**
 * Tutorial 000, "How to use sockets in Python": fetching a root document
 * by hand, and the three ways it fails.
 *
 * @module
 */

import { listen } from '../../socket/server-socket.js';
import { httpSite, silentServer } from '../stand-ins.js';
import { exitedCleanly, LOOPBACK, type TourStep } from '../step-tools.js';

export const TUTORIAL_000: TourStep[] = [
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
];
