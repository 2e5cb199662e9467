/**
 * The `http` service of `socketkit serve`: tutorial 003's page that says
 * "Hello, world!" once the server learns to speak HTTP, showing the raw
 * request the browser sent (the other half of the same experiment); or,
 * with a root directory, a static file server.
 *
 * @module
 */

import { createReadStream, realpathSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { Handler, ServerRequest, ServerResponse } from '../http/server.js';

/** Options for {@link webHandler}. */
export interface WebOptions {
  /** Serve files from this directory instead of the hello page. */
  root?: string;
  /** Called with every request's raw head (the hello page logs what the browser sent). */
  onRawRequest?: (request: ServerRequest) => void;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.mp4': 'video/mp4',
};

/**
 * The Content-Type for a file name, by its extension (any case): `text/html; charset=utf-8` for
 * `.html`, and so on; `application/octet-stream` when unknown.
 *
 * @example Content types by extension
 * ```ts
 * import { contentType } from 'socketkit/services';
 * console.log(contentType('index.HTML'), contentType('data.bin')); // text/html; charset=utf-8 application/octet-stream
 * ```
 */
export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

const HTML_SPECIAL = /[&<>"']/;

function escapeHtml(text: string): string {
  if (!HTML_SPECIAL.test(text)) return text;
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The hello page of `socketkit serve http`: "Hello, world!", and the request head that asked
 * for it (`rawHead`, read as Latin-1), HTML-escaped, in a `<pre>`.
 *
 * @example The page for a request
 * ```ts
 * import { encode } from 'socketkit';
 * import { helloPage } from 'socketkit/services';
 * const page = helloPage(encode('GET / HTTP/1.1\r\nHost: <me>\r\n\r\n'));
 * console.log(page.includes('<h1>Hello, world!</h1>'), page.includes('Host: &#60;me&#62;')); // true true
 * ```
 */
export function helloPage(rawHead: Uint8Array): string {
  // Read in place (a view, not a copy), without the blank line that ends the head.
  const head = Buffer.from(rawHead.buffer, rawHead.byteOffset, rawHead.byteLength).toString(
    'latin1',
  );
  const request = head.endsWith('\r\n') ? head.slice(0, -2) : head;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hello, world!</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
pre { background: #f4f4f4; padding: 1rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
</style>
</head>
<body>
<h1>Hello, world!</h1>
<p>socketkit sent this page by hand, over a socket: a status line, a few header lines, an empty line, then this HTML.</p>
<p>Your browser asked for it with these bytes (each line ended by CR LF):</p>
<pre id="request">${escapeHtml(request)}</pre>
</body>
</html>
`;
}

/**
 * Maps a request path onto a file under `root`, or `null` when it would
 * leave the root: `..` and `.` segments, and separators or NUL smuggled in
 * percent-encoded (`%2e%2e`, `%2f`, `%5c`, `%00`), are refused; so is a
 * symbolic link that points outside. The path is the request's, still percent-encoded.
 *
 * @example Paths inside and outside the root
 * ```ts
 * import { resolveInRoot } from 'socketkit/services';
 * console.log(resolveInRoot('/srv/www', '/docs/a%20b.html')); // /srv/www/docs/a b.html
 * console.log(resolveInRoot('/srv/www', '/%2e%2e/etc/passwd')); // null
 * ```
 */
export function resolveInRoot(root: string, path: string): string | null {
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  const base = resolve(root);
  const candidate = join(base, ...segments);
  if (candidate !== base && !candidate.startsWith(base + sep)) return null;
  try {
    const real = realpathSync(candidate);
    const realBase = realpathSync(base);
    if (real !== realBase && !real.startsWith(realBase + sep)) return null;
    return real;
  } catch {
    return candidate; // Does not exist: the caller answers 404.
  }
}

function notFound(): ServerResponse {
  return {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: 'Not Found\n',
  };
}

function serveFile(root: string, request: ServerRequest): ServerResponse {
  const file = resolveInRoot(root, request.path);
  if (file === null)
    return {
      status: 403,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'Forbidden\n',
    };
  let path = file;
  let stats = statSafe(path);
  if (stats?.isDirectory()) {
    path = join(path, 'index.html');
    stats = statSafe(path);
  }
  if (!stats?.isFile()) return notFound();
  const headers = { 'Content-Type': contentType(path), 'Content-Length': String(stats.size) };
  if (request.method === 'HEAD') return { headers };
  return { headers, body: createReadStream(path) as AsyncIterable<Buffer> };
}

function statSafe(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The handler behind `socketkit serve http`: the hello page at `/` (and `/index.html`), or with
 * `root`, the files under it (`index.html` for a directory, 403 for a path that leaves the root,
 * 404 for none); GET and HEAD only (405 with `Allow` for the rest).
 *
 * @example Serving the hello page
 * ```ts
 * import { request, serve } from 'socketkit/http';
 * import { webHandler } from 'socketkit/services';
 * await using server = await serve(webHandler());
 * const response = await request(`http://127.0.0.1:${server.address.port}/`);
 * console.log(response.status, (await response.body.text()).includes('Hello, world!')); // 200 true
 * ```
 */
export function webHandler(options: WebOptions = {}): Handler {
  const root = options.root === undefined ? undefined : resolve(options.root);
  return (request): ServerResponse => {
    options.onRawRequest?.(request);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return {
        status: 405,
        headers: { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' },
        body: `${request.method} is not allowed here; use GET or HEAD.\n`,
      };
    }
    if (root !== undefined) return serveFile(root, request);
    if (request.path !== '/' && request.path !== '/index.html') return notFound();
    return {
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
      body: helloPage(request.rawHead),
    };
  };
}
