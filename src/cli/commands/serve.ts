/**
 * `socketkit serve [SERVICE…]`: socketkit's main job. Every classic service over
 * TCP and UDP plus the web page, on 127.0.0.1, listed in a table with a
 * command to try each; one log line per connection or request on stderr.
 *
 * @module
 */

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Argument, Command } from 'commander';
import { type Address, describeAddress } from '../../core/address.js';
import { VERSION } from '../../core/version.js';
import { DEFAULT_MAX_CONNECTIONS, type HttpServer, serve } from '../../http/server.js';
import { defaultContext, SERVICES, type Service } from '../../services/classic.js';
import { loadQuotes, PROVERBS } from '../../services/quotes.js';
import { type RunningService, runTcp, runUdp } from '../../services/runner.js';
import { webHandler } from '../../services/web.js';
import { type ServerTls, tlsFromFlags } from '../_certificate.js';
import { parseCount, parseHost, parsePort, parsePositiveInt } from '../_options.js';
import { LogWriter, note, table, writeOut } from '../_output.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { describeReachability } from './_reachability.js';

const NAMES = [...SERVICES.map((s) => s.name), 'http'];

interface ServeFlags {
  host: string;
  tls?: boolean;
  cert?: string;
  key?: string;
  port?: number;
  basePort: number;
  root?: string;
  quotes?: string;
  quiet?: boolean;
  verbose?: boolean;
  json?: boolean;
  maxConnections?: number;
  unix?: string;
}

/** Where each service listens: base + its classic port; reverse at base + 342 (7342); http at base + 1080 (8080). */
function defaultPort(name: string, base: number): number {
  if (base === 0) return 0;
  if (name === 'http') return base + 1080;
  if (name === 'reverse') return base + 342;
  return base + SERVICES.find((s) => s.name === name)!.classicPort!;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'run the classic services (echo, discard, daytime, qotd, chargen, reverse) and the web page',
    )
    .addArgument(
      new Argument('[service...]', 'which ones (default: all)')
        .choices(NAMES)
        // The action checks the names, to say which one is unknown; the choices are for --help,
        // shell completion and the man page.
        .argParser((name: string, previous: string[] = []) => [...previous, name]),
    )
    .option(
      '--host <host>',
      'the address to bind (0.0.0.0: every interface)',
      parseHost,
      '127.0.0.1',
    )
    .option('--port <port>', 'the port, when serving a single service', parsePort)
    .option(
      '--base-port <n>',
      'serve each service at N + its classic port (http at N + 1080); 0: any free ports',
      parseCount,
      7000,
    )
    .option('--root <dir>', 'http: serve the files in DIR instead of the hello page')
    .option(
      '--unix <path>',
      'one service on this Unix domain socket instead of a port (TCP services and http; no UDP)',
    )
    .option(
      '--tls',
      'http: speak HTTPS (with --cert/--key, or a throwaway self-signed certificate)',
    )
    .option('--cert <file>', 'http --tls: the certificate chain (PEM)')
    .option('--key <file>', 'http --tls: its private key (PEM)')
    .option('--quotes <file>', 'qotd: quotes from FILE, separated by lines of % or blank lines')
    .option(
      '--max-connections <n>',
      `the most TCP connections per service (default ${DEFAULT_MAX_CONNECTIONS})`,
      parsePositiveInt,
    )
    .option('-q, --quiet', 'no log line per connection or request')
    .option('-v, --verbose', "http: also log each page request's raw head, as the browser sent it")
    .option('--json', 'print the listing as one line of JSON instead of a table')
    .addHelpText(
      'after',
      `
Ports (with the default --base-port 7000): echo 7007, discard 7009, daytime 7013,
qotd 7017, chargen 7019, reverse 7342, http 8080; TCP and UDP share each number.

Examples:
  $ socketkit serve
  $ socketkit serve http --port 8000 --root ./public
  $ socketkit serve echo reverse --host 0.0.0.0`,
    )
    .action(async (names: string[], flags: ServeFlags) => {
      const unknown = names.find((name) => !NAMES.includes(name));
      if (unknown !== undefined) {
        throw new CliError(
          `Invalid service "${unknown}": unknown service; choose from ${NAMES.join(', ')}`,
          ExitCode.USAGE,
        );
      }
      const chosen = names.length === 0 ? NAMES : [...new Set(names)];
      if (flags.port !== undefined && chosen.length !== 1) {
        throw new CliError(
          `--port ${flags.port} needs exactly one service; ${chosen.length} were chosen`,
          ExitCode.USAGE,
        );
      }
      if (flags.root !== undefined) checkRoot(flags.root);
      // --cert or --key without --tls is bad usage, said before anything starts.
      if (!flags.tls) tlsFromFlags(flags);
      if (flags.unix !== undefined && chosen.length !== 1)
        throw new CliError(
          `--unix ${flags.unix} needs exactly one service (one socket file serves one): socketkit serve echo --unix PATH`,
          ExitCode.USAGE,
        );
      if (flags.unix !== undefined && flags.port !== undefined)
        throw new CliError(
          `--unix and --port ${flags.port}: give one or the other`,
          ExitCode.USAGE,
        );
      if (flags.tls && (chosen.length !== 1 || chosen[0] !== 'http'))
        throw new CliError(
          '--tls is for the http service alone: socketkit serve http --tls',
          ExitCode.USAGE,
        );
      process.exitCode = await runServe(chosen, flags);
    });
}

interface Listing {
  service: string;
  protocol: 'tcp' | 'udp';
  address: Address;
  close: (graceMs: number) => Promise<void>;
}

/**
 * How this command is run where the user is: `socketkit` when it is on PATH (a global install),
 * `npx socketkit` otherwise (inside the project after `npm ci`, where npx finds it).
 */
function selfCommand(): string {
  // npm and npx put the project's node_modules/.bin on the PATH of what they run; the user's
  // own shell does not have it, so a socketkit found there is not one they can type.
  const dirs = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '' && !/node_modules[\\/]\.bin[\\/]?$/.test(d));
  for (const dir of dirs) {
    try {
      accessSync(join(dir, 'socketkit'), constants.X_OK);
      return 'socketkit';
    } catch {
      // Not in this directory.
    }
  }
  return 'npx socketkit';
}

/** A command to try a service, runnable as printed (IPv6 hosts unbracketed: the shell would glob). */
function tryIt(
  self: string,
  service: string,
  protocol: 'tcp' | 'udp',
  host: string,
  port: number,
  tls?: ServerTls,
): string {
  const where = `${host} ${port}`;
  if (service === 'http') {
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    if (tls !== undefined) {
      const trust = tls.certFile === undefined ? '' : `--cacert ${tls.certFile} `;
      return `open https://${authority}/ or: ${self} fetch ${trust}https://${authority}/`;
    }
    return `open http://${authority}/ or: ${self} fetch ${host.includes(':') ? `'${authority}'` : authority}`;
  }
  const udp = protocol === 'udp';
  switch (service) {
    case 'echo':
      return udp ? `echo hello | ${self} connect --udp ${where}` : `${self} echo ${where}`;
    case 'discard':
      return udp
        ? `echo hello | ${self} connect --udp -q 0.5 ${where}  (no reply, by design)`
        : `echo hello | ${self} connect ${where}`;
    case 'daytime':
      return udp ? `${self} daytime --udp ${where}` : `${self} daytime ${where}`;
    case 'qotd':
      return udp ? `${self} qotd ${where}` : `${self} qotd --tcp ${where}`;
    case 'chargen':
      return udp
        ? `echo | ${self} connect --udp ${where}`
        : `${self} connect ${where} < /dev/null | head -3`;
    default:
      return `echo hello | ${self} connect ${udp ? '--udp ' : ''}${where}`;
  }
}

/** How to reach a service on a Unix socket, with tools a user has (curl, nc -U, this CLI). */
function tryItUnix(
  self: string,
  service: string,
  path: string,
  tls: { certFile?: string } | undefined,
): string {
  switch (service) {
    case 'http': {
      // A throwaway certificate is trusted only when the client is told to (as over TCP).
      const trust = tls?.certFile === undefined ? '' : `--cacert ${tls.certFile} `;
      const url = `http${tls ? 's' : ''}://localhost/`;
      return `curl ${trust}--unix-socket ${path} ${url} or: ${self} fetch ${trust}--unix-socket ${path} ${url}`;
    }
    case 'daytime':
    case 'qotd':
      return `${self} connect -U ${path} < /dev/null`;
    case 'chargen':
      return `${self} connect -U ${path} < /dev/null | head -3`;
    default:
      return `echo hello | ${self} connect -U ${path}`;
  }
}

async function runServe(names: string[], flags: ServeFlags): Promise<number> {
  // Listen for SIGINT and SIGTERM before anything starts, so no moment is left where they kill.
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const quotes = flags.quotes === undefined ? PROVERBS : loadQuotesOrFail(flags.quotes);
  const context = defaultContext(quotes);
  const writer = flags.quiet ? null : new LogWriter();
  const log = writer === null ? undefined : (line: string) => writer.line(line);
  const listings: Listing[] = [];
  const tls = tlsFromFlags(flags);
  const started: RunningService<Address>[] = [];
  try {
    for (const name of names) {
      const port = flags.port ?? defaultPort(name, flags.basePort);
      if (name === 'http') {
        const handler = webHandler({
          root: flags.root,
          onRawRequest: (request) => {
            if (
              writer !== null &&
              flags.verbose &&
              flags.root === undefined &&
              request.path === '/'
            ) {
              const raw = Buffer.from(request.rawHead).toString('latin1').trimEnd();
              writer.raw(
                raw
                  .split('\r\n')
                  .map((line) => `    | ${line}`)
                  .join('\n'),
              );
            }
          },
        });
        const common = {
          log: log && ((line: string) => log(`http ${line}`)),
          maxConnections: flags.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
          tls: tls && { key: tls.key, cert: tls.cert },
        };
        const server: HttpServer<Address> =
          flags.unix !== undefined
            ? await serve(handler, { ...common, path: flags.unix })
            : await serve(handler, { ...common, host: flags.host, port });
        listings.push({
          service: 'http',
          protocol: 'tcp',
          address: server.address,
          close: (g) => server.close(g),
        });
        continue;
      }
      const service = SERVICES.find((s) => s.name === name) as Service;
      const options = {
        host: flags.host,
        port,
        log,
        context,
        maxConnections: flags.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      };
      if (flags.unix !== undefined) {
        // A stream service over a Unix socket; there is no Unix UDP to go beside it.
        const running = await runTcp(service, { log, context, path: flags.unix });
        started.push(running);
        listings.push({
          service: name,
          protocol: 'tcp',
          address: running.address,
          close: (g) => running.close(g),
        });
        continue;
      }
      const tcp = await runTcp(service, options);
      started.push(tcp);
      // UDP on the same number as TCP (the OS's choice when it chose).
      const udp = await runUdp(service, { ...options, port: tcp.address.port });
      started.push(udp);
      for (const running of [tcp, udp]) {
        listings.push({
          service: name,
          protocol: running.protocol,
          address: running.address,
          close: (g) => running.close(g),
        });
      }
    }
  } catch (error) {
    await Promise.all(listings.map((l) => l.close(0)));
    throw error;
  }

  const self = selfCommand();
  if (flags.json) {
    await writeOut(
      `${JSON.stringify(listings.map((l) => ({ service: l.service, protocol: l.protocol, ...(l.address.family === 'AF_UNIX' ? { path: l.address.path } : { host: l.address.host, port: l.address.port }) })))}\n`,
    );
  } else {
    const rows = [
      ['service', 'proto', 'address', 'try it'],
      ...listings.map((l) => {
        const address = l.address;
        if (address.family === 'AF_UNIX')
          return [l.service, 'unix', address.path, tryItUnix(self, l.service, address.path, tls)];
        return [
          l.service,
          l.protocol,
          describeAddress(address),
          tryIt(
            self,
            l.service,
            l.protocol,
            flags.host === '0.0.0.0' || flags.host === '::' ? '127.0.0.1' : address.host,
            address.port,
            tls,
          ),
        ];
      }),
    ];
    await writeOut(
      `socketkit ${VERSION} is serving ${listings.length} endpoint${listings.length === 1 ? '' : 's'} on ${flags.unix ?? flags.host} (Ctrl-C stops it):\n\n${table(rows)}\n\n`,
    );
  }
  if (tls) note(tls.describe);
  const first = listings[0]!.address;
  const ports = listings.flatMap((l) => (l.address.family === 'AF_UNIX' ? [] : [l.address.port]));
  const reach = first.family === 'AF_UNIX' ? null : describeReachability(first, ports);
  if (reach) note(reach);

  // Until SIGINT or SIGTERM: stop accepting, let what is in flight finish (4 s at most), exit 0.
  const signal = await stopSignal;
  writer?.flush();
  if (!flags.quiet) note(`${signal}: finishing what is in flight, then stopping.`);
  await Promise.all(listings.map((l) => l.close(4000)));
  writer?.flush();
  return ExitCode.OK;
}

/** --root must be a directory that exists, or every request would be a 404. */
function checkRoot(root: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(root).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `Invalid --root ${root}: ${code === 'ENOENT' ? 'no such directory' : (error as Error).message}`,
      ExitCode.USAGE,
    );
  }
  if (!isDirectory)
    throw new CliError(`Invalid --root ${root}: it is not a directory`, ExitCode.USAGE);
}

function loadQuotesOrFail(path: string): string[] {
  try {
    return loadQuotes(path);
  } catch (error) {
    throw new CliError(`Cannot use --quotes ${path}: ${(error as Error).message}`, ExitCode.USAGE);
  }
}
