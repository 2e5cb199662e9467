/**
 * TLS servers on the command line, as `ncat --ssl -l` gives them: `socketkit listen --tls` and
 * `socketkit serve http --tls`, with a throwaway certificate whose file curl and openssl are told
 * to trust (nothing is verified less), or with --cert/--key.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIXTURES, requirePeer, run, socketkit, startSocketkit } from './_helpers.js';

describe('TLS servers on the command line', () => {
  test('listen --tls: curl --cacert <the printed file> talks to it; openssl s_client verifies it', async (t) => {
    if (!requirePeer(t, 'curl', 'as an independent TLS client')) return;
    const listener = startSocketkit(['listen', '--tls', '-k', '0'], {});
    const [, port] = await listener.waitForStderr(/Listening on 127\.0\.0\.1 port (\d+)/);
    const [, fingerprint, certFile] = await listener.waitForStderr(
      /SHA-256 ([0-9A-F:]{95})\); trust it with --cacert (\S+)/,
    );
    listener.child.stdin!.write('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nhi\n');
    const curl = await run('curl', ['-s', '--cacert', certFile!, `https://localhost:${port}/`]);
    assert.equal(curl.code, 0, curl.stderr);
    assert.equal(curl.stdout.toString(), 'hi\n');
    // What listen printed may reach this process a moment after curl is done.
    await listener.waitForStdout(/GET \/ HTTP\/1\.1\r\nHost: localhost:\d+\r\n/);
    const untrusted = await run('curl', ['-s', `https://localhost:${port}/`]);
    assert.equal(untrusted.code, 60, 'without --cacert curl refuses the certificate');
    if (requirePeer(t, 'openssl', 'to verify the certificate independently')) {
      const check = await run(
        'openssl',
        [
          's_client',
          '-connect',
          `127.0.0.1:${port}`,
          '-CAfile',
          certFile!,
          '-verify_return_error',
          '-verify_ip',
          '127.0.0.1',
        ],
        { input: '' },
      );
      assert.match(check.stdout.toString(), /Verify return code: 0 \(ok\)/);
      const x509 = await run('openssl', [
        'x509',
        '-in',
        certFile!,
        '-noout',
        '-fingerprint',
        '-sha256',
      ]);
      assert.equal(x509.stdout.toString().trim().split('=')[1], fingerprint);
    }
    listener.child.kill('SIGINT');
    assert.equal(await listener.exited(), 0);
  });

  test('serve http --tls: the try-it command works as printed; --cert/--key serve a given certificate', async (t) => {
    if (!requirePeer(t, 'curl', 'as an independent TLS client')) return;
    const serve = startSocketkit(['serve', 'http', '--tls', '--port', '0']);
    const [, command] = await serve.waitForStdout(
      /or: npx socketkit (fetch --cacert \S+ https:\/\/127\.0\.0\.1:\d+\/)\n/,
    );
    const fetched = await socketkit(command!.split(' '));
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.match(fetched.stdout.toString(), /Hello, world!/);
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited(), 0);

    const given = startSocketkit([
      'serve',
      'http',
      '--tls',
      '--port',
      '0',
      '--json',
      '--cert',
      `${FIXTURES}/localhost.pem`,
      '--key',
      `${FIXTURES}/localhost-key.pem`,
    ]);
    const [, port] = await given.waitForStdout(/"port":(\d+)/);
    const curl = await run('curl', [
      '-s',
      '--cacert',
      `${FIXTURES}/ca.pem`,
      `https://localhost:${port}/`,
    ]);
    assert.equal(curl.code, 0, curl.stderr);
    assert.match(curl.stdout.toString(), /Hello, world!/);
    given.child.kill('SIGTERM');
    assert.equal(await given.exited(), 0);
  });

  test('--cert without --key, --cert without --tls, a certificate that is not PEM, --tls with --udp: exit 2', async () => {
    for (const [args, message] of [
      [['listen', '--tls', '--cert', `${FIXTURES}/localhost.pem`, '0'], /--cert needs --key too/],
      [['listen', '--cert', `${FIXTURES}/localhost.pem`, '0'], /--cert needs --tls/],
      [
        [
          'serve',
          'http',
          '--tls',
          '--port',
          '0',
          '--cert',
          `${FIXTURES}/localhost-key.pem`,
          '--key',
          `${FIXTURES}/localhost-key.pem`,
        ],
        /is not a PEM certificate/,
      ],
      [['listen', '--tls', '--udp', '0'], /--tls cannot be used with --udp/],
      [['serve', '--tls'], /--tls is for the http service alone/],
    ] as const) {
      const result = await socketkit([...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });
});
