/**
 * What `socketkit daytime` and `socketkit qotd` share: ask a one-shot service for
 * its text, over TCP (connect, read until the server closes) or over UDP
 * (send an empty datagram, wait for the reply: 3 tries of 2 s, then exit 28).
 *
 * @module
 */

import { SocketTimeoutError } from '../../core/errors.js';
import { connect } from '../../socket/connect.js';
import { udp } from '../../socket/datagram-socket.js';
import { writeOut } from '../_output.js';
import { CliError, ExitCode } from '../exit-codes.js';

const UDP_TRIES = 3;
const UDP_WAIT_MS = 2000;

export async function askOverTcp(host: string, port: number): Promise<void> {
  const sock = await connect(host, port, { timeout: 10_000 });
  sock.setTimeout(10_000);
  try {
    for (let data = await sock.recv(); data.length > 0; data = await sock.recv())
      await writeOut(data);
  } finally {
    await sock.close();
  }
}

export async function askOverUdp(host: string, port: number, what: string): Promise<void> {
  const sock = await udp();
  try {
    await sock.connect(host, port);
    for (let attempt = 1; attempt <= UDP_TRIES; attempt++) {
      await sock.send(new Uint8Array(0));
      try {
        await writeOut(await sock.recv(65535, { timeout: UDP_WAIT_MS }));
        return;
      } catch (error) {
        if (!(error instanceof SocketTimeoutError)) throw error;
      }
    }
    throw new CliError(
      `No ${what} reply from ${host} port ${port} after ${UDP_TRIES} tries of ${UDP_WAIT_MS / 1000} s each (UDP may have lost them, or nothing answers there)`,
      ExitCode.TIMEOUT,
    );
  } finally {
    await sock.close();
  }
}
