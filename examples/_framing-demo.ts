/**
 * The two halves shared by the four framing examples (003-framing-*.ts):
 * a server that prints every message it decodes, and a client that sends
 * some, putting two of them in a single write, the case that breaks code
 * which assumes one recv() is one message.
 *
 *     <example> server [HOST] [PORT]            # default localhost 7342; port 0 picks one
 *     <example> client HOST PORT [MESSAGE…]
 */
import { bytesRepr, connect, decode, encode, listen, type StreamSocket } from 'socketkit';
import { type Codec, messages, sendMessage } from 'socketkit/framing';
import { main } from './_main.js';

const DEFAULT_MESSAGES = ['Hello, world!', 'Second message', 'Third, sent on its own'];

/** Runs the server or the client; either ends on an error with one sentence (see _main.ts). */
export function framingDemo(codec: Codec, argv: string[]): Promise<void> {
  return main(async () => {
    const [role, host = 'localhost', port = '7342', ...texts] = argv;
    if (role === 'server') await serve(codec, host, Number(port));
    else if (role === 'client')
      await send(codec, host, port, texts.length > 0 ? texts : DEFAULT_MESSAGES);
    else {
      console.error('usage: server [HOST] [PORT] | client HOST PORT [MESSAGE…]');
      process.exitCode = 2;
    }
  });
}

async function serve(codec: Codec, host: string, port: number): Promise<void> {
  const server = await listen({ host, port });
  console.log(`waiting for messages on ${server.address.host} port ${server.address.port}`);
  process.once('SIGINT', () => void server.close());
  process.once('SIGTERM', () => void server.close());
  for await (const client of server) void printMessages(codec, client);
}

async function printMessages(codec: Codec, client: StreamSocket): Promise<void> {
  try {
    client.setTimeout(30_000);
    // messages() reads as much as it needs, however the bytes were cut in transit, and
    // keeps what follows a frame for the next one.
    for await (const message of messages(client, codec)) console.log(`message: ${decode(message)}`);
  } catch (error) {
    console.error(`gave up on a client: ${(error as Error).message}`);
  } finally {
    await client.close();
  }
}

async function send(codec: Codec, host: string, port: string, texts: string[]): Promise<void> {
  const frames = texts.map((text) => codec.encode(encode(text)));
  if (codec.kind === 'close-delimited') {
    // One message per connection: closing our half is what ends it.
    for (const text of texts) {
      await using sock = await connect(host, port, { timeout: 10_000 });
      await sendMessage(sock, codec, encode(text));
      console.log(`sent ${bytesRepr(encode(text))}, then shut down the write half`);
      // The server closes its side once it has the whole message. Waiting for that keeps
      // the messages in order: TCP orders bytes within a connection, never across them.
      await sock.recv(1);
    }
    return;
  }
  await using sock = await connect(host, port, { timeout: 10_000 });
  // The first two frames go out in one write: the receiver still sees two messages.
  const together = Buffer.concat(frames.slice(0, 2));
  await sock.sendAll(together);
  console.log(`sent ${bytesRepr(together)}`);
  for (const frame of frames.slice(2)) {
    await sock.sendAll(frame);
    console.log(`sent ${bytesRepr(frame)}`);
  }
}
