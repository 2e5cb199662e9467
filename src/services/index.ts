/**
 * `socketkit/services`: the classic inetd services (echo, discard, daytime,
 * qotd, chargen), tutorial 003's reverse server and the hello page, as
 * values you can run on TCP or UDP.
 *
 * @example An echo server on TCP and UDP
 * ```ts
 * import { echo, runTcp, runUdp } from 'socketkit/services';
 * const tcp = await runTcp(echo, { port: 7007 });
 * const udp = await runUdp(echo, { port: 7007 });
 * console.log(tcp.address, udp.address);
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
