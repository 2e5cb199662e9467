/**
 * Tutorial 002, "Let's get started using sockets": service names and
 * ports, host names, a socket's properties, bytes and text, and browsing a
 * page in chunks.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { getHostName } from '../../names/hosts.js';
import { slowSite } from '../stand-ins.js';
import { LOOPBACK, type TourStep } from '../step-tools.js';

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

export const TUTORIAL_002: TourStep[] = [
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
];
