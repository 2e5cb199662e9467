/**
 * `socketkit fetch -w FORMAT`: curl's `--write-out`, the variables people script with. Times are
 * seconds with six decimals, as curl prints them; `%{json}` is every variable as one JSON object
 * (the report `--json` printed before `--json` took curl's meaning).
 *
 * @module
 */

import type { HttpResponse } from '../../http/response.js';
import { CliError, ExitCode } from '../exit-codes.js';

/** What the transfer measured, beside the response. */
export interface Transfer {
  response: HttpResponse;
  bodyBytes: number;
}

const seconds = (ms: number | undefined) =>
  (ms === undefined || Number.isNaN(ms) ? 0 : ms / 1000).toFixed(6);

/** curl's variables, by name. */
function variables({ response, bodyBytes }: Transfer): Record<string, string | number> {
  const t = response.timings;
  const remote = response.remoteAddress;
  return {
    http_code: response.status,
    response_code: response.status,
    http_version: response.version,
    size_download: bodyBytes,
    size_header: response.rawHead.length,
    content_type: response.headers.get('content-type') ?? '',
    url_effective: response.url.href,
    num_redirects: response.redirects,
    remote_ip: remote?.family === 'AF_UNIX' ? '' : (remote?.host ?? ''),
    remote_port: remote?.family === 'AF_UNIX' ? '' : (remote?.port ?? ''),
    time_namelookup: seconds(t.lookup),
    time_connect: seconds(t.connect),
    time_appconnect: seconds(t.tls),
    time_starttransfer: seconds(t.firstByte),
    time_total: seconds(t.total),
  };
}

/** The report `%{json}` prints: every variable, the headers and trailers too. */
function json(transfer: Transfer): string {
  const { response } = transfer;
  return JSON.stringify({
    ...variables(transfer),
    reason: response.reason,
    headers: [...response.headers],
    trailers: response.trailers ? [...response.trailers] : null,
    timings: response.timings,
  });
}

/**
 * `format` with its variables and escapes filled in.
 *
 * @throws {CliError} a variable curl has but socketkit does not, or a misspelled one (exit 2).
 */
export function writeOut(format: string, transfer: Transfer): string {
  const values = variables(transfer);
  return format.replace(
    /%\{([a-z_]+)\}|%%|\\([ntr\\])/g,
    (whole, name: string | undefined, escaped: string | undefined) => {
      if (whole === '%%') return '%';
      if (escaped !== undefined) return { n: '\n', t: '\t', r: '\r', '\\': '\\' }[escaped]!;
      if (name === 'json') return json(transfer);
      if (name !== undefined && name in values) return String(values[name]);
      throw new CliError(
        `Invalid -w variable %{${name}}: socketkit knows ${Object.keys(values)
          .map((v) => `%{${v}}`)
          .join(', ')} and %{json}`,
        ExitCode.USAGE,
      );
    },
  );
}

/** Checks a format before the request, so a typo sends nothing. */
export function checkWriteOut(format: string): void {
  for (const [, name] of format.matchAll(/%\{([^}]*)\}/g)) {
    if (name !== 'json' && !KNOWN.has(name!)) {
      throw new CliError(
        `Invalid -w variable %{${name}}: see socketkit fetch --help for the list`,
        ExitCode.USAGE,
      );
    }
  }
}

const KNOWN = new Set([
  'http_code',
  'response_code',
  'http_version',
  'size_download',
  'size_header',
  'content_type',
  'url_effective',
  'num_redirects',
  'remote_ip',
  'remote_port',
  'time_namelookup',
  'time_connect',
  'time_appconnect',
  'time_starttransfer',
  'time_total',
]);
