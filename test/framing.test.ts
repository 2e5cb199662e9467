import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import {
  type Codec,
  closeDelimited,
  delimited,
  fixedLength,
  lengthPrefixed,
  lines,
  messages,
  readMessage,
  sendMessage,
} from '../src/framing/index.js';
import {
  connect,
  decode,
  encode,
  FrameTooLongError,
  IncompleteReadError,
  listen,
  SocketTimeoutError,
  type StreamSocket,
} from '../src/index.js';
import { requirePeer, runPython, startPython } from './_helpers.js';

async function rawPair(): Promise<{
  client: StreamSocket;
  peer: Socket;
  close: () => Promise<void>;
}> {
  const server = createServer({ allowHalfOpen: true });
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = await connect('127.0.0.1', (server.address() as { port: number }).port);
  const peer = await accepted;
  return {
    client,
    peer,
    close: async () => {
      await client.close();
      peer.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const sent = (peer: Socket, data: string | Buffer) =>
  new Promise<void>((resolve) => peer.write(data, () => resolve()));

describe('readMessage(), messages(), sendMessage() on a socket', () => {
  test('a read started while readMessage() pulls is refused and touches nothing; the frame arrives whole', async () => {
    const { client, peer, close } = await rawPair();
    const codec = lengthPrefixed({ header: { ascii: 5 } });
    const { until } = await import('./_helpers.js');
    await sent(peer, '00010abc');
    await until(() => client.bufferedAmount > 0, 'the first part to arrive');
    const first = readMessage(client, codec);
    for (const second of [
      () => client.recv(100),
      () => client.recvExactly(2),
      () => client.readLine(),
      () => readMessage(client, codec),
    ]) {
      await assert.rejects(second(), {
        name: 'ConcurrentReadError',
        message: /while readMessage\(\) is reading/,
      });
    }
    await sent(peer, 'defghij00003xyz');
    assert.equal(decode((await first)!), 'abcdefghij');
    // What followed the frame is still there, for the next read.
    assert.equal(decode((await readMessage(client, codec))!), 'xyz');
    // And between messages() steps a plain read is fine again.
    await sent(peer, 'tail');
    assert.equal(decode(await client.recvExactly(4)), 'tail');
    await close();
  });

  test('bytes after a frame stay in the socket for the next read', async () => {
    const { client, peer, close } = await rawPair();
    await sent(peer, '00005hello and then raw bytes');
    assert.equal(
      decode((await readMessage(client, lengthPrefixed({ header: { ascii: 5 } })))!),
      'hello',
    );
    assert.equal(
      decode(await client.recvExactly(' and then raw bytes'.length)),
      ' and then raw bytes',
    );
    await close();
  });

  test('with several delimiters, bytes the decoder held past a frame go back to the socket in order', async () => {
    const { client, peer, close } = await rawPair();
    // "\r\n\r" could begin "\r\n\r\n", which would start before the "\n": the decoder waits,
    // holding those bytes. When "X" rules it out, the frame ends at the "\n" and the "\r" after
    // it, already taken from the socket, must go back in front of "Xtwo…".
    const codec = delimited(['\r\n\r\n', '\n'], { maxLength: 64 });
    await sent(peer, 'one\r\n\r');
    await new Promise((r) => setTimeout(r, 30));
    await sent(peer, 'Xtwo\nrest');
    assert.equal(decode((await readMessage(client, codec))!), 'one\r');
    assert.equal(decode((await readMessage(client, codec))!), '\rXtwo');
    assert.equal(decode(await client.recvExactly(4)), 'rest');
    await close();
  });

  test("closeDelimited(): an empty stream is one empty message, as Python reads b''", async () => {
    const { client, peer, close } = await rawPair();
    peer.end();
    const message = await readMessage(client, closeDelimited());
    assert.ok(message !== null);
    assert.equal(message.length, 0);
    await close();
  });

  test('a timeout inside a frame keeps its bytes: the next read returns the whole frame', async () => {
    const { client, peer, close } = await rawPair();
    const codec = lengthPrefixed({ header: 'u32be' });
    const frame = Buffer.from(codec.encode(encode('complete message')));
    await sent(peer, frame.subarray(0, 7));
    await assert.rejects(readMessage(client, codec, { timeout: 100 }), SocketTimeoutError);
    assert.equal(client.bufferedAmount, 7, 'the 7 bytes went back into the socket');
    await sent(peer, frame.subarray(7));
    assert.equal(decode((await readMessage(client, codec))!), 'complete message');
    await close();
  });

  test('null at a clean end of stream; IncompleteReadError inside a frame', async () => {
    const first = await rawPair();
    first.peer.end('one\n');
    assert.equal(decode((await readMessage(first.client, lines()))!), 'one');
    assert.equal(await readMessage(first.client, lines()), null);
    await first.close();
    const second = await rawPair();
    second.peer.end('unfinished');
    await assert.rejects(readMessage(second.client, lines()), (error: unknown) => {
      assert.ok(error instanceof IncompleteReadError);
      assert.equal(decode(error.partial), 'unfinished');
      return true;
    });
    await second.close();
  });

  test('messages() yields every frame; breaking out leaves the rest in the socket', async () => {
    const { client, peer, close } = await rawPair();
    await sent(peer, 'a\nb\nSTOP\nafter the loop');
    const seen: string[] = [];
    for await (const line of messages(client, lines())) {
      seen.push(decode(line));
      if (decode(line) === 'STOP') break;
    }
    assert.deepEqual(seen, ['a', 'b', 'STOP']);
    assert.equal(decode(await client.recvExactly(14)), 'after the loop');
    await close();
  });

  test('a frame over maxLength is FrameTooLongError from the socket helpers too', async () => {
    const { client, peer, close } = await rawPair();
    await sent(peer, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await assert.rejects(
      readMessage(client, lengthPrefixed({ header: 'u32be' })),
      FrameTooLongError,
    );
    await close();
  });

  test('sendMessage() with closeDelimited() shuts down the write half; the peer reads one message', async () => {
    const server = await listen();
    const client = await connect('127.0.0.1', server.address.port);
    const [conn] = await server.accept();
    await sendMessage(client, closeDelimited(), encode('the whole message'));
    const received: string[] = [];
    for await (const m of messages(conn, closeDelimited())) received.push(decode(m));
    assert.deepEqual(received, ['the whole message']);
    await sendMessage(conn, lines(), encode('reply still possible'));
    assert.equal(decode((await readMessage(client, lines()))!), 'reply still possible');
    await Promise.all([client.close(), conn.close(), server.close()]);
  });

  test('many frames in one arrival, socketkit to socketkit', async () => {
    const server = await listen();
    const client = await connect('127.0.0.1', server.address.port);
    const [conn] = await server.accept();
    const codec = lengthPrefixed({ header: 'varint' });
    const all = Array.from({ length: 500 }, (_, i) => encode(`message ${i} `.repeat(i % 7)));
    await client.sendAll(Buffer.concat(all.map((m) => codec.encode(m))));
    await client.shutdown('write');
    const got: string[] = [];
    for await (const m of messages(conn, codec)) got.push(decode(m));
    assert.deepEqual(
      got,
      all.map((m) => decode(m)),
    );
    await Promise.all([client.close(), conn.close(), server.close()]);
  });
});

/**
 * The four methods of tutorial 003, written the way the tutorial means them but correctly
 * (every recv in a loop), with nothing but Python's socket module.
 */
const PYTHON_PEER = `
import json, socket, sys

method, role, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
LENGTH = 30
DELIM = b'#*#'

def encode(msg):
    if method == 'fixed':
        return msg + b'#' * (LENGTH - len(msg))
    if method == 'delimiter':
        return msg + DELIM
    if method == 'length':
        return str(len(msg)).zfill(5).encode('utf8') + msg
    return msg

def recv_exactly(sock, n, buf):
    while len(buf) < n:
        data = sock.recv(10)
        if not data:
            raise EOFError('stream ended early')
        buf += data
    return buf[:n], buf[n:]

def receive_all(sock):
    out, buf = [], b''
    if method == 'close':
        while True:
            data = sock.recv(10)
            if not data:
                return [buf]
            buf += data
    while True:
        if method == 'fixed':
            try:
                frame, buf = recv_exactly(sock, LENGTH, buf)
            except EOFError:
                return out
            out.append(frame.rstrip(b'#'))
        elif method == 'delimiter':
            while DELIM not in buf:
                data = sock.recv(10)
                if not data:
                    return out
                buf += data
            frame, buf = buf.split(DELIM, 1)
            out.append(frame)
        else:
            try:
                header, buf = recv_exactly(sock, 5, buf)
            except EOFError:
                return out
            frame, buf = recv_exactly(sock, int(header.decode('utf8')), buf)
            out.append(frame)

messages = [m.encode('utf8') for m in json.loads(sys.argv[4])] if len(sys.argv) > 4 else []
if role == 'send':
    with socket.create_connection(('127.0.0.1', port)) as s:
        s.sendall(b''.join(encode(m) for m in messages))  # back to back, in one send
        s.shutdown(socket.SHUT_WR)
else:
    with socket.socket() as server:
        server.bind(('127.0.0.1', 0))
        server.listen()
        print(server.getsockname()[1], flush=True)
        con, _ = server.accept()
        with con:
            print(json.dumps([m.decode('utf8') for m in receive_all(con)]), flush=True)
`;

describe("tutorial 003's four framing methods against Python 3 socket peers", () => {
  const methods: Array<[string, Codec, string[]]> = [
    ['fixed', fixedLength(30, { pad: '#' }), ['Hello, world!', 'Second message, 28 bytes...!']],
    ['delimiter', delimited('#*#'), ['Hello, world!', 'Second message # * # fine']],
    ['length', lengthPrefixed({ header: { ascii: 5 } }), ['Hello, world', 'Second message: héllo']],
    ['close', closeDelimited(), ['Hello, world! The whole connection is one message.']],
  ];
  for (const [method, codec, texts] of methods) {
    test(`${method}: Python sender → socketkit receiver`, async (t) => {
      if (!requirePeer(t, 'python3', 'as an independent peer for the tutorial framing')) return;
      const server = await listen();
      const sending = runPython(PYTHON_PEER, [
        method,
        'send',
        String(server.address.port),
        JSON.stringify(texts),
      ]);
      const [conn] = await server.accept();
      const got: string[] = [];
      for await (const m of messages(conn, codec)) got.push(decode(m));
      assert.deepEqual(got, texts);
      assert.equal((await sending).code, 0);
      await conn.close();
      await server.close();
    });

    test(`${method}: socketkit sender → Python receiver`, async (t) => {
      if (!requirePeer(t, 'python3', 'as an independent peer for the tutorial framing')) return;
      const { child, firstLine } = await startPython(PYTHON_PEER, [method, 'receive', '0']);
      let output = '';
      child.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const sock = await connect('127.0.0.1', Number(firstLine));
      if (method === 'close') {
        await sendMessage(sock, codec, encode(texts[0]!));
      } else {
        // Two messages back to back in one send.
        await sock.sendAll(Buffer.concat(texts.map((m) => codec.encode(encode(m)))));
        await sock.shutdown('write');
      }
      await new Promise((resolve) => child.once('exit', resolve));
      assert.deepEqual(JSON.parse(output.trim()), texts);
      await sock.close();
    });
  }
});
