/**
 * `socketkit connect -z HOST PORT[-PORT]`: which ports accept a TCP connection (nc's `-z`).
 * Bounded on purpose: at most 1,024 ports a run, 64 attempts at a time, a timeout per port, and
 * hosts on this machine only unless `--allow-remote` (as `socketkit bench`), since a scan of
 * someone else's machine is an attack on it.
 *
 * @module
 */

import { ConnectionRefusedError, SocketTimeoutError } from '../../core/errors.js';
import { isLoopback } from '../../core/loopback.js';
import { lookupHost } from '../../names/hosts.js';
import { connect } from '../../socket/connect.js';
import { note, writeOut } from '../_output.js';
import { CliError, ExitCode } from '../exit-codes.js';

/** The most ports one run checks. */
const MAX_PORTS = 1024;
const CONCURRENCY = 64;

/** `22`, or `8000-8010`: the ports, in order. */
export function portRange(text: string): number[] {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const low = match ? Number(match[1]) : Number.NaN;
  const high = match?.[2] === undefined ? low : Number(match[2]);
  if (!match || low < 1 || high > 65535 || high < low) {
    throw new CliError(
      `Invalid port range "${text}": give PORT or LOW-HIGH, from 1 to 65535, LOW ≤ HIGH`,
      ExitCode.USAGE,
    );
  }
  if (high - low + 1 > MAX_PORTS) {
    throw new CliError(
      `Invalid port range "${text}": ${high - low + 1} ports, more than the ${MAX_PORTS} one run checks`,
      ExitCode.USAGE,
    );
  }
  return Array.from({ length: high - low + 1 }, (_, i) => low + i);
}

/** What one port said. */
type PortState = 'open' | 'closed' | 'filtered';

interface CheckFlags {
  json?: boolean;
  verbose?: boolean;
  allowRemote?: boolean;
  wait?: number;
  ipv4?: boolean;
  ipv6?: boolean;
}

/** Checks `ports` on `host`; exit 0 when at least one accepts, 1 when none does (as nc -z). */
export async function checkPorts(
  host: string,
  ports: number[],
  flags: CheckFlags,
): Promise<number> {
  const family = flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined;
  const found = await lookupHost(host, { family });
  const remote = found.addresses.filter((a) => !isLoopback(a.address));
  if (remote.length > 0 && !flags.allowRemote) {
    throw new CliError(
      `Refusing to check ports on ${host} (${remote.map((a) => a.address).join(', ')}): it is not on this machine; allow it with --allow-remote only for a machine you run`,
      ExitCode.USAGE,
    );
  }
  const address = found.addresses[0]!.address;
  const timeout = flags.wait ?? 1000;
  const states = new Map<number, PortState>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ports.length) {
      const port = ports[next++]!;
      try {
        const sock = await connect(address, port, { timeout });
        await sock.abort();
        states.set(port, 'open');
      } catch (error) {
        states.set(
          port,
          error instanceof ConnectionRefusedError
            ? 'closed'
            : error instanceof SocketTimeoutError
              ? 'filtered'
              : 'closed',
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ports.length) }, worker));
  const open = ports.filter((port) => states.get(port) === 'open');
  if (flags.json) {
    await writeOut(
      `${JSON.stringify({ host, address, ports: ports.map((port) => ({ port, state: states.get(port) })) })}\n`,
    );
  } else {
    for (const port of ports) {
      const state = states.get(port)!;
      if (state === 'open') await writeOut(`${host} port ${port} (tcp) is open\n`);
      else if (flags.verbose)
        note(
          `${host} port ${port} (tcp) is ${state === 'closed' ? 'closed (refused)' : `filtered (no answer in ${timeout} ms)`}`,
        );
    }
  }
  return open.length > 0 ? ExitCode.OK : ExitCode.FAILURE;
}
