/**
 * The head of a response the server sends: what the handler gave, checked, plus what socketkit
 * decides itself (Date, Server, the framing fields), and how the body goes on the wire.
 *
 * @module
 */

import { VERSION } from '../core/version.js';
import type { ServerRequest, ServerResponse } from './connection.js';
import type { HeadersInit } from './headers.js';
import { httpDate, STATUS_TEXT } from './status.js';
import { type BodyFraming, fieldLines, prepareBody, statusLine } from './writer.js';

const SERVER = `socketkit/${VERSION}`;

/** A response ready to write: its head text, its body and how the body is framed. */
export interface PlannedResponse {
  status: number;
  head: string;
  body: ReturnType<typeof prepareBody>;
  framing: BodyFraming;
  keepAlive: boolean;
  declaredLength: number | undefined;
}

/**
 * Decides the head and framing of a response: bytes and text go with Content-Length, streams
 * chunked (HTTP/1.1) or until close (HTTP/1.0); HEAD, 1xx, 204 and 304 carry no body
 * (RFC 9110 §6.4.1). socketkit sets Connection and Transfer-Encoding itself.
 */
export function planResponse(
  request: ServerRequest,
  response: ServerResponse,
  keepAlive: boolean,
): PlannedResponse {
  const status = response.status ?? 200;
  const line = statusLine(status, response.reason ?? STATUS_TEXT[status] ?? 'Unknown');
  const body = prepareBody(response.body);
  let hasDate = false;
  let hasServer = false;
  let declared: string | undefined;
  const fields = fieldLines(response.headers, (name) => {
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'date') hasDate = true;
        return true;
      case 6:
        if (name.toLowerCase() === 'server') hasServer = true;
        return true;
      case 10:
        return name.toLowerCase() !== 'connection';
      case 14:
        if (name.toLowerCase() !== 'content-length') return true;
        declared = '';
        return false;
      case 17:
        return name.toLowerCase() !== 'transfer-encoding';
      default:
        return true;
    }
  });
  let head = line + fields;
  if (!hasDate) head += `Date: ${httpDate()}\r\n`;
  if (!hasServer) head += `Server: ${SERVER}\r\n`;
  const noBody =
    request.method === 'HEAD' ||
    status === 204 ||
    status === 304 ||
    (status >= 100 && status < 200);
  let keep = keepAlive;
  let framing: BodyFraming;
  let declaredLength: number | undefined;
  if (declared !== undefined) {
    // The handler said how long its body is (a file, say): trust a stream to match, check bytes.
    const given = contentLengthOf(response.headers);
    declaredLength = given;
    if (body.stream === null && given !== body.length && !noBody) {
      throw new RangeError(`Content-Length ${given} does not match the ${body.length}-byte body`);
    }
    if (status !== 204 && status !== 304) head += `Content-Length: ${given}\r\n`;
    framing = noBody ? 'none' : 'length';
  } else if (body.stream === null) {
    if (status !== 204 && status !== 304 && status >= 200)
      head += `Content-Length: ${body.length}\r\n`;
    framing = noBody ? 'none' : 'length';
  } else if (noBody) {
    framing = 'none';
  } else if (request.version === '1.1') {
    head += 'Transfer-Encoding: chunked\r\n';
    framing = 'chunked';
  } else {
    keep = false; // HTTP/1.0 without a length: the body ends at close.
    framing = 'close';
  }
  if (!keep) head += 'Connection: close\r\n';
  else if (request.version === '1.0') head += 'Connection: keep-alive\r\n';
  return { status, head: `${head}\r\n`, body, framing, keepAlive: keep, declaredLength };
}

function contentLengthOf(headers: HeadersInit | undefined): number {
  let value: unknown;
  if (
    headers !== undefined &&
    !Array.isArray(headers) &&
    !(Symbol.iterator in (headers as object))
  ) {
    for (const name in headers)
      if (name.toLowerCase() === 'content-length')
        value = (headers as Record<string, unknown>)[name];
  } else if (headers !== undefined) {
    for (const pair of headers as Iterable<readonly unknown[]>)
      if (String(pair[0]).toLowerCase() === 'content-length') value = pair[1];
  }
  const text = String(value).trim();
  if (!/^\d{1,15}$/.test(text))
    throw new RangeError(
      `Invalid Content-Length ${JSON.stringify(String(value))} in the response headers`,
    );
  return Number(text);
}

/** A short text response that closes the connection. */
export function errorResponse(status: number, reason: string): Buffer {
  const body = Buffer.from(`${STATUS_TEXT[status] ?? 'Error'}: ${reason}\n`);
  const head = `${statusLine(status, STATUS_TEXT[status] ?? 'Error')}Date: ${httpDate()}\r\nServer: ${SERVER}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
