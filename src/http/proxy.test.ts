import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bypassesProxy, parseProxy, proxyFromEnv } from './proxy.js';

describe('bypassesProxy: curl’s no_proxy rules', () => {
  const cases: Array<[string, string, number, boolean]> = [
    ['*', 'example.com', 443, true],
    ['example.com', 'example.com', 80, true],
    ['example.com', 'www.example.com', 80, true],
    ['.example.com', 'www.example.com', 80, true],
    ['.example.com', 'example.com', 80, true],
    ['example.com', 'badexample.com', 80, false],
    ['example.com', 'example.com.evil', 80, false],
    ['EXAMPLE.com.', 'Example.COM', 80, true],
    ['localhost:8080', 'localhost', 8080, true],
    ['localhost:8080', 'localhost', 9090, false],
    ['127.0.0.1', '127.0.0.1', 80, true],
    ['127.0.0.1', '127.0.0.10', 80, false],
    ['10.0.0.0/8', '10.20.30.40', 80, true],
    ['10.0.0.0/8', '11.0.0.1', 80, false],
    ['fd00::/8', 'fd12::1', 80, true],
    ['[::1]', '::1', 80, true],
    ['[::1]:443', '::1', 443, true],
    ['10.0.0.0/99', '10.0.0.1', 80, false],
    [' a.test , , b.test ', 'b.test', 80, true],
    ['', 'example.com', 80, false],
  ];
  for (const [list, host, port, expected] of cases) {
    test(`${JSON.stringify(list)} and ${host}:${port} → ${expected ? 'direct' : 'proxy'}`, () => {
      assert.equal(bypassesProxy(list, { host, port }), expected);
    });
  }
});

describe('proxyFromEnv and parseProxy', () => {
  test('http_proxy (lower case only), https_proxy or HTTPS_PROXY, all_proxy, no_proxy', () => {
    const http = new URL('http://example.com/');
    const https = new URL('https://example.com/');
    assert.equal(proxyFromEnv(http, { http_proxy: 'p:1' }), 'p:1');
    // A CGI program's HTTP_PROXY can come from a request's Proxy: header ("httpoxy"): ignored.
    assert.equal(proxyFromEnv(http, { HTTP_PROXY: 'evil:1' }), null);
    assert.equal(proxyFromEnv(https, { HTTPS_PROXY: 'p:2' }), 'p:2');
    assert.equal(proxyFromEnv(https, { https_proxy: 'a:1', HTTPS_PROXY: 'b:1' }), 'a:1');
    assert.equal(proxyFromEnv(https, { ALL_PROXY: 'all:3' }), 'all:3');
    assert.equal(proxyFromEnv(https, { https_proxy: 'p:2', NO_PROXY: 'example.com' }), null);
    assert.equal(
      proxyFromEnv(new URL('https://[::1]:8443/'), { https_proxy: 'p', no_proxy: '::1' }),
      null,
    );
    assert.equal(proxyFromEnv(https, { https_proxy: '  ' }), null);
  });

  test('parseProxy: curl’s defaults, credentials out of the URL and into the header, refusals', () => {
    const plain = parseProxy('127.0.0.1');
    assert.equal(plain.port, 1080);
    assert.equal(plain.url.href, 'http://127.0.0.1:1080/');
    assert.equal(plain.authorization, null);
    // Port 80 is kept when written, though URL drops a scheme's default.
    assert.equal(parseProxy('http://proxy.test:80').port, 80);
    const withUser = parseProxy('http://al%40ice:p%3Ass@[::1]:3128');
    assert.equal(withUser.host, '::1');
    assert.equal(withUser.port, 3128);
    assert.equal(withUser.url.href, 'http://[::1]:3128/', 'no credentials in what is shown');
    assert.equal(withUser.authorization, `Basic ${Buffer.from('al@ice:p:ss').toString('base64')}`);
    assert.throws(
      () => parseProxy('socks5://127.0.0.1:1080'),
      /only http:\/\/ proxies are supported, not socks5:/,
    );
    assert.throws(() => parseProxy('https://127.0.0.1:443'), /not https:/);
    assert.throws(() => parseProxy(''), /Invalid proxy ""/);
    assert.throws(() => parseProxy('http://a b'), /Invalid proxy/);
    assert.throws(() => parseProxy(42 as never), /Invalid proxy 42/);
  });
});
