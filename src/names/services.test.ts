import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { ServiceNotFoundError } from '../core/errors.js';
import {
  getServByName,
  getServByPort,
  parseServices,
  reloadServices,
  resolvePort,
  serviceTable,
} from './services.js';

describe('parseServices()', () => {
  test('reads name, port/protocol and aliases, skipping comments and malformed lines', () => {
    const entries = parseServices(
      [
        '# comment line',
        'echo\t\t7/tcp',
        'qotd\t\t17/tcp\t\tquote\t# trailing comment',
        'broken line here',
        'toolarge 70000/tcp',
        'weird 12/sctp',
        '',
      ].join('\n'),
    );
    assert.deepEqual(entries, [
      { name: 'echo', port: 7, protocol: 'tcp', aliases: [] },
      { name: 'qotd', port: 17, protocol: 'tcp', aliases: ['quote'] },
    ]);
  });
});

describe('the built-in table, used where /etc/services is missing', () => {
  afterEach(() => {
    delete process.env.SOCKETKIT_SERVICES_FILE;
    reloadServices();
  });

  test('covers the classic services over tcp and udp, and the common ones over tcp', () => {
    process.env.SOCKETKIT_SERVICES_FILE = '/nonexistent/services';
    reloadServices();
    assert.equal(serviceTable().source, 'built-in');
    for (const [name, port] of [
      ['echo', 7],
      ['discard', 9],
      ['daytime', 13],
      ['qotd', 17],
      ['chargen', 19],
    ] as const) {
      assert.equal(getServByName(name, 'tcp'), port, `${name}/tcp`);
      assert.equal(getServByName(name, 'udp'), port, `${name}/udp`);
    }
    for (const [name, port] of [
      ['ftp', 21],
      ['ssh', 22],
      ['telnet', 23],
      ['smtp', 25],
      ['domain', 53],
      ['http', 80],
      ['pop3', 110],
      ['imap', 143],
      ['https', 443],
    ] as const) {
      assert.equal(getServByName(name), port, name);
      assert.equal(getServByPort(port), name === 'imap' ? 'imap2' : name);
    }
    assert.equal(getServByName('www'), 80, 'aliases count');
  });
});

describe('getServByName() and getServByPort() errors', () => {
  test('an unknown name or port is ServiceNotFoundError naming it', () => {
    assert.throws(
      () => getServByName('no-such-service'),
      (error: unknown) => {
        assert.ok(error instanceof ServiceNotFoundError);
        assert.match(error.message, /Service "no-such-service" was not found/);
        return true;
      },
    );
    assert.throws(() => getServByPort(1, 'udp'), ServiceNotFoundError);
  });

  test('bad arguments are TypeError or RangeError', () => {
    assert.throws(() => getServByName(''), TypeError);
    assert.throws(() => getServByName('http', 'sctp' as 'tcp'), /use 'tcp' or 'udp'/);
    assert.throws(() => getServByPort(70000), /Invalid port 70000/);
    assert.throws(() => getServByPort(-1), RangeError);
    assert.throws(() => getServByPort(1.5), TypeError);
  });

  test('resolvePort() takes numbers, numeric strings and service names', () => {
    assert.equal(resolvePort(8080, 'tcp'), 8080);
    assert.equal(resolvePort('8080', 'tcp'), 8080);
    assert.equal(resolvePort('http', 'tcp'), 80);
    assert.throws(() => resolvePort('-1', 'tcp'), /Invalid port/);
    assert.throws(() => resolvePort('', 'tcp'), TypeError);
  });
});
