/**
 * `socketkit/http`: HTTP/1.1 spoken by hand over socketkit sockets — an incremental parser
 * (RFC 9112), one writer, a client (`request`) and a server (`serve`).
 *
 * @example A server and a request to it
 * ```ts
 * import { request, serve } from 'socketkit/http';
 * await using server = await serve(() => ({ body: 'hello\n' }));
 * const response = await request(`http://127.0.0.1:${server.address.port}/`);
 * console.log(response.status, await response.body.text()); // 200 hello
 * ```
 *
 * @module
 */

export type { AgentOptions, AgentStats, Lease } from './agent.js';
export { Agent } from './agent.js';
export type { HttpResponse, RequestOptions, Timings, TlsSummary } from './client.js';
export { ResponseBody, request } from './client.js';
export type { HeadersInit } from './headers.js';
export { HttpHeaders } from './headers.js';
export type {
  MessageHead,
  MessageKind,
  ParserHandler,
  ParserOptions,
  ParserPhase,
  RequestHead,
  ResponseHead,
} from './parser.js';
export { HttpParser } from './parser.js';
export { Client } from './pooled-client.js';
export type { ProxyTarget } from './proxy.js';
export { bypassesProxy, parseProxy, proxyFromEnv } from './proxy.js';
export type { Handler, HttpServer, ServeOptions, ServerRequest, ServerResponse } from './server.js';
export { DEFAULT_MAX_CONNECTIONS, serve } from './server.js';
export { STATUS_TEXT } from './status.js';
export type { RequestTarget } from './url.js';
export { parseTarget } from './url.js';
export type { MessageBody } from './writer.js';
export {
  checkHeaderValue,
  checkTarget,
  checkToken,
  serializeRequestHead,
  serializeResponseHead,
} from './writer.js';
