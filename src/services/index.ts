/**
 * `socketkit/services`: the classic inetd services (echo, discard, daytime,
 * qotd, chargen), tutorial 003's reverse server and the hello page, as
 * values you can run on TCP or UDP.
 *
 * @example An echo server on TCP and UDP, on one port number
 * ```ts
 * import { echo, runTcp, runUdp } from 'socketkit/services';
 * await using tcp = await runTcp(echo, { port: 0 }); // 0: the OS picks a free port
 * await using udp = await runUdp(echo, { port: tcp.address.port });
 * console.log(tcp.protocol, udp.protocol, udp.address.port === tcp.address.port); // tcp udp true
 * ```
 *
 * @module
 */

export type { Service, ServiceContext } from './classic.js';
export {
  chargen,
  chargenLine,
  daytime,
  daytimeText,
  defaultContext,
  discard,
  echo,
  qotd,
  REVERSE_MAX,
  REVERSE_QUIET_MS,
  reverse,
  SERVICES,
} from './classic.js';
export { loadQuotes, MAX_QUOTE_LENGTH, PROVERBS } from './quotes.js';
export type { RunningService, RunOptions } from './runner.js';
export { runTcp, runUdp } from './runner.js';
export type { WebOptions } from './web.js';
export { contentType, helloPage, resolveInRoot, webHandler } from './web.js';
