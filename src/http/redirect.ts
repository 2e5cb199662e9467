/**
 * What a redirect does to the request that follows it (RFC 9110 §15.4), in one pure function
 * so the whole policy can be tested as a table:
 *
 * - **Credentials never follow to another origin.** When the scheme, host or port changes,
 *   `Authorization`, `Cookie` and `Proxy-Authorization` are dropped (as curl and browsers do),
 *   and so is a `Host` the caller set for the first origin.
 * - **303 becomes GET** (HEAD stays HEAD); **301 and 302 after a POST become GET**, as curl and
 *   browsers do; 307 and 308 keep the method and the body.
 * - **A request turned into GET loses its body and the headers that described it**
 *   (`Content-Type`, `Content-Length`, `Transfer-Encoding`, `Content-Encoding`, …).
 *
 * @module
 */

import { HttpParseError } from '../core/errors.js';
import { HttpHeaders } from './headers.js';
import { parseTarget, type RequestTarget } from './url.js';
import type { MessageBody } from './writer.js';

/** One request as sent on one hop of a redirect chain. */
export interface RequestHop {
  target: RequestTarget;
  method: string;
  /** The caller's headers (socketkit adds Host, User-Agent, Accept, Connection and framing). */
  headers: HttpHeaders;
  body: MessageBody;
}

/** The statuses `followRedirects` follows. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization', 'host'];
const CONTENT = [
  'content-type',
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'content-language',
  'content-location',
];

/** Whether two targets share scheme, host and port (RFC 6454's origin). */
function sameOrigin(a: RequestTarget, b: RequestTarget): boolean {
  return (
    a.secure === b.secure && a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port
  );
}

/**
 * The request to send after `status` with `location`, from `hop`.
 *
 * @throws {HttpParseError} the Location is not an http(s) URL (the reply cannot be followed).
 * @throws {TypeError} a 307/308 asks to send a streamed body again, which cannot be replayed.
 */
export function redirectHop(hop: RequestHop, status: number, location: string): RequestHop {
  let target: RequestTarget;
  try {
    target = parseTarget(new URL(location, hop.target.url));
  } catch (error) {
    throw new HttpParseError(
      `Cannot follow the ${status} redirect to ${JSON.stringify(location)}: ${(error as Error).message}`,
      Number.NaN,
      502,
    );
  }
  const headers = new HttpHeaders(hop.headers);
  if (!sameOrigin(hop.target, target)) for (const name of CREDENTIALS) headers.delete(name);
  const toGet =
    status === 303
      ? hop.method !== 'HEAD'
      : (status === 301 || status === 302) && hop.method === 'POST';
  if (toGet) {
    for (const name of CONTENT) headers.delete(name);
    return { target, method: 'GET', headers, body: undefined };
  }
  const body = hop.body;
  if (
    body !== undefined &&
    body !== null &&
    typeof body !== 'string' &&
    !(body instanceof Uint8Array)
  ) {
    throw new TypeError(
      `Cannot follow a ${status} redirect: a streamed request body cannot be sent again`,
    );
  }
  return { target, method: hop.method, headers, body };
}
