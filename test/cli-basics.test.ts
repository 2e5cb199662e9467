import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, socketkit } from './_helpers.js';

const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

describe('socketkit', () => {
  test('--version prints the package version', async () => {
    const result = await socketkit(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString().trim(), version);
  });

  test('--help and no arguments list the commands and exit 0', async () => {
    for (const args of [['--help'], []]) {
      const result = await socketkit(args);
      assert.equal(result.code, 0, args.join(' '));
      for (const command of ['resolve', 'hostname', 'service', 'connect', 'listen']) {
        assert.match(result.stdout.toString(), new RegExp(`\\b${command}\\b`));
      }
    }
  });

  test('an unknown command or option is bad usage: exit 2 with the offending word', async () => {
    const unknownCommand = await socketkit(['frobnicate']);
    assert.equal(unknownCommand.code, 2);
    assert.match(
      unknownCommand.stderr,
      /^socketkit: Unknown command 'frobnicate' \(see --help\)\n$/,
    );
    const unknownOption = await socketkit(['resolve', '--frob', 'localhost']);
    assert.equal(unknownOption.code, 2);
    assert.match(unknownOption.stderr, /^socketkit: Unknown option '--frob' \(see --help\)\n$/);
    const missing = await socketkit(['connect', '127.0.0.1']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /connect needs a PORT after the host/);
  });
});

describe('socketkit resolve', () => {
  test('prints the canonical name, aliases and addresses', async () => {
    const result = await socketkit(['resolve', 'localhost']);
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout.toString();
    assert.match(out, /^localhost\n/);
    assert.match(out, /canonical name\s+localhost/);
    assert.match(out, /address\s+127\.0\.0\.1\s+IPv4/);
  });

  test('--json and -4/-6 filter by family', async () => {
    const result = await socketkit(['resolve', '--json', '-4', 'localhost']);
    assert.equal(result.code, 0, result.stderr);
    const data = JSON.parse(result.stdout.toString());
    assert.equal(data.name, 'localhost');
    assert.ok(data.addresses.length > 0);
    assert.ok(data.addresses.every((a: { family: string }) => a.family === 'IPv4'));
    const six = await socketkit(['resolve', '--json', '-6', '::1']);
    assert.deepEqual(JSON.parse(six.stdout.toString()).addresses, [
      { address: '::1', family: 'IPv6' },
    ]);
  });

  test('an unknown host exits 6 and names it', async () => {
    const result = await socketkit(['resolve', 'a.non.existent.name!']);
    assert.equal(result.code, 6);
    assert.match(
      result.stderr,
      /Could not resolve host "a\.non\.existent\.name!": Name or service not known/,
    );
  });

  test('a host with whitespace or control characters exits 2 and names the argument and value', async () => {
    for (const bad of ['bad host', 'tab\there', '']) {
      const result = await socketkit(['resolve', bad]);
      assert.equal(result.code, 2, JSON.stringify(bad));
      assert.match(result.stderr, /Invalid HOST /);
      assert.ok(result.stderr.includes(JSON.stringify(bad)), result.stderr);
    }
  });
});

describe('socketkit service', () => {
  test('name → port and port → name', async () => {
    const byName = await socketkit(['service', 'ssh']);
    assert.equal(byName.code, 0);
    assert.equal(byName.stdout.toString(), 'ssh  22/tcp\n');
    const byPort = await socketkit(['service', '80', '--json']);
    assert.equal(JSON.parse(byPort.stdout.toString())[0].name, 'http');
    const udpOnly = await socketkit(['service', 'echo', '--proto', 'udp']);
    assert.equal(udpOnly.stdout.toString(), 'echo  7/udp\n');
  });

  test('a port out of range exits 2; an unknown service exits 1; a bad --proto exits 2', async () => {
    const range = await socketkit(['service', '70000']);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /"70000".*0 to 65535/);
    const unknown = await socketkit(['service', 'no-such-service']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No service named "no-such-service"/);
    const proto = await socketkit(['service', 'http', '--proto', 'sctp']);
    assert.equal(proto.code, 2);
    assert.match(proto.stderr, /"sctp"/);
  });
});

describe('socketkit hostname', () => {
  test("prints this machine's name and its loopback address", async () => {
    const result = await socketkit(['hostname']);
    assert.equal(result.code, 0);
    const lines = result.stdout.toString().split('\n');
    assert.equal(lines[0], hostname());
    assert.match(result.stdout.toString(), /127\.0\.0\.1\s+IPv4\s+loopback/);
    const json = JSON.parse((await socketkit(['hostname', '--json'])).stdout.toString());
    assert.equal(json.hostname, hostname());
    assert.ok(json.addresses.some((a: { address: string }) => a.address === '127.0.0.1'));
  });
});
