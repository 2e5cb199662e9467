/**
 * Status codes and their reason phrases (RFC 9110 §15), and the Date header's value.
 *
 * @module
 */

/**
 * The standard reason phrase of each status code in use: those RFC 9110 §15 defines (but the
 * unused 306 and 418), and RFC 6585's 428, 429 and 431. The server sends these unless a handler
 * gives its own `reason`.
 *
 * @example The phrase for a status
 * ```ts
 * import { STATUS_TEXT } from 'socketkit/http';
 * console.log(STATUS_TEXT[404], STATUS_TEXT[431]); // Not Found Request Header Fields Too Large
 * ```
 */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

let dateCache = { second: -1, value: '' };

/** Now as an HTTP-date (RFC 9110 §5.6.7), recomputed at most once a second. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateCache.second) dateCache = { second, value: new Date(now).toUTCString() };
  return dateCache.value;
}
