/**
 * `socketkit/http`: HTTP/1.1 spoken by hand over socketkit sockets.
 *
 * @module
 */

export type { HttpResponse, RequestOptions, Timings } from './client.js';
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
export {
  checkHeaderValue,
  checkTarget,
  checkToken,
  serializeRequestHead,
  serializeResponseHead,
} from './serializer.js';
export type { Handler, HttpServer, ServeOptions, ServerRequest, ServerResponse } from './server.js';
export { STATUS_TEXT, serve } from './server.js';
export type { RequestTarget } from './url.js';
export { parseTarget } from './url.js';
