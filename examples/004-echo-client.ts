/**
 * Tutorial 004 — the line-based echo client.
 *
 * Asks for a host and a port (asking again until the answer makes sense),
 * connects, and then sends each message you type as a line, printing the
 * line that comes back. An empty message (or the end of input) ends the
 * conversation. Lines end in CR LF on the wire; readLine() returns them
 * without it, as Python's makefile('r').readline() does (minus the newline).
 *
 *     npx tsx examples/004-echo-client.ts                 # asks for both
 *     npx tsx examples/004-echo-client.ts 127.0.0.1 7007
 */
import { createInterface } from 'node:readline/promises';
import { connect, type StreamSocket } from 'socketkit';
import { main } from './_main.js';

const terminal = createInterface({ input: process.stdin, output: process.stdout });
// Answers come from the terminal, or line by line from a pipe, like Python's input().
const lines = terminal[Symbol.asyncIterator]();
/** The next line typed, or null at the end of input (Ctrl-D, or the end of a pipe). */
async function input(prompt: string): Promise<string | null> {
  process.stdout.write(prompt);
  const next = await lines.next();
  return next.done ? null : next.value;
}

async function readHost(): Promise<string> {
  for (;;) {
    const answer = await input('Host: ');
    if (answer === null) throw new Error('no host given before the end of input');
    const host = answer.trim();
    if (host !== '') return host;
    console.log('Please specify a host (either a name or an IP address)');
  }
}

/** A port 0–65535, or null. */
function parsePort(text: string): number | null {
  const trimmed = text.trim();
  return /^\d{1,5}$/.test(trimmed) && Number(trimmed) <= 65535 ? Number(trimmed) : null;
}

async function readPort(): Promise<number> {
  for (;;) {
    const answer = await input('Port: ');
    if (answer === null) throw new Error('no port given before the end of input');
    const port = parsePort(answer);
    if (port !== null) return port;
    console.log('Ports must be an integer between 0 and 65535');
  }
}

async function talk(sock: StreamSocket): Promise<void> {
  for (;;) {
    const message = await input('Message: ');
    if (message === null || message === '') return;
    await sock.writeLine(message);
    const response = await sock.readLine();
    if (response === null) {
      console.log('The server closed the connection.');
      return;
    }
    console.log(`Response: ${response}`);
  }
}

await main(async () => {
  const [hostArg, portArg] = process.argv.slice(2);
  try {
    const host = hostArg?.trim() || (await readHost());
    const port = (portArg === undefined ? null : parsePort(portArg)) ?? (await readPort());
    console.log(`Connecting to ${host} (port ${port})...`);
    const sock = await connect(host, port, { timeout: 10_000 });
    // Waiting for the echo has a limit; waiting for you to type has none.
    sock.setTimeout(10_000);
    console.log('Connected!');
    try {
      await talk(sock);
    } finally {
      console.log('Closing connection...');
      await sock.close();
      console.log('Closed!');
    }
  } finally {
    terminal.close();
  }
});
