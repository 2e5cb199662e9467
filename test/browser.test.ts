/**
 * A real browser against `socketkit serve http`: Debian's chromium, driven by playwright-core.
 * The page must show "Hello, world!" and, escaped, the very request the browser sent.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, requirePeer, startSocketkit } from './_helpers.js';

const CHROMIUM = '/usr/bin/chromium';

test('chromium shows "Hello, world!" and its own User-Agent from the raw request; screenshot saved', async (t) => {
  if (!requirePeer(t, CHROMIUM, 'for the browser test (apt-get install chromium)')) return;
  const { chromium } = await import('playwright-core');
  const serve = startSocketkit(['serve', 'http', '-v', '--base-port', '0', '--json']);
  const [line] = await serve.waitForStdout(/^\[.*\]\n/);
  const port = (JSON.parse(line!) as Array<{ port: number }>)[0]!.port;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Chromium still looks names up for its own services (seen with strace): every name but
      // the page's IP literal now fails inside the browser, so no DNS server is asked. (What
      // strace still shows, a UDP connect() to a public address, only asks the kernel for a
      // route to learn the local address: no packet leaves.)
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  try {
    const page = await browser.newPage();
    const response = await page.goto(`http://127.0.0.1:${port}/`);
    assert.equal(response?.status(), 200);
    const heading = page.getByRole('heading', { name: 'Hello, world!' });
    assert.ok(await heading.isVisible(), 'the heading is visible');
    const userAgent = String(await page.evaluate('navigator.userAgent'));
    const shown = await page.locator('#request').innerText();
    assert.match(shown, /^GET \/ HTTP\/1\.1$/m);
    assert.ok(
      shown.includes(`User-Agent: ${userAgent}`),
      `the page shows the browser's own User-Agent: ${userAgent}`,
    );
    const artifacts = join(ROOT, 'test', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    const screenshot = join(artifacts, 'hello-world.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    assert.ok(existsSync(screenshot));
    t.diagnostic(`screenshot: ${screenshot}`);
    // The server logged the same raw request (-v).
    await serve.waitForStderr(
      new RegExp(`\\| User-Agent: ${userAgent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
  } finally {
    await browser.close();
    serve.child.kill('SIGTERM');
    await serve.exited();
  }
});
