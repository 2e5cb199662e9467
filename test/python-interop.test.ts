/**
 * socketkit against Python 3 peers that use nothing but its `socket` module:
 * the echo server and client of tutorial 001, half-close, UDP, and bytes
 * that must arrive exactly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, decode, encode, listen, udp } from '../src/index.js';
import { exited, requirePeer, runPython, startPython } from './_helpers.js';

const PYTHON_ECHO_SERVER = `
import socket
with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    s.listen()
    print(s.getsockname()[1], flush=True)
    con, addr = s.accept()
    with con:
        while True:
            data = con.recv(1024)
            if not data:
                break
            con.sendall(data)
`;

const PYTHON_HALF_CLOSE_SERVER = `
import socket
with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    s.listen()
    print(s.getsockname()[1], flush=True)
    con, addr = s.accept()
    with con:
        received = b''
        while True:
            data = con.recv(1024)
            if not data:
                break
            received += data
        # EOF seen; answer anyway, then close.
        con.sendall(b'got ' + str(len(received)).encode() + b' bytes: ' + received[::-1])
`;

describe('socketkit with Python 3 socket peers', () => {
  test('socketkit client ↔ Python echo server (tutorial 001)', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent echo server')) return;
    const { child, firstLine } = await startPython(PYTHON_ECHO_SERVER);
    const sock = await connect('127.0.0.1', Number(firstLine));
    await sock.sendAll(encode('hello there'));
    assert.equal(decode(await sock.recvExactly(11)), 'hello there');
    // A larger payload forces several 1024-byte recv/sendall rounds on the Python side.
    const payload = Buffer.alloc(300_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const echoed = sock.recvExactly(payload.length);
    await sock.sendAll(payload);
    assert.ok(Buffer.from(await echoed).equals(payload));
    await sock.shutdown('write');
    assert.equal((await sock.recv()).length, 0);
    await sock.close();
    assert.equal(await exited(child), 0);
  });

  test('socketkit half-close: Python sees EOF, still answers, socketkit reads it all', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent peer for half-close')) return;
    const { child, firstLine } = await startPython(PYTHON_HALF_CLOSE_SERVER);
    const sock = await connect('127.0.0.1', Number(firstLine));
    await sock.sendAll(encode('Hello, world!'));
    await sock.shutdown('write');
    let reply = '';
    for (let chunk = await sock.recv(); chunk.length > 0; chunk = await sock.recv())
      reply += decode(chunk);
    assert.equal(reply, 'got 13 bytes: !dlrow ,olleH');
    await sock.close();
    assert.equal(await exited(child), 0);
  });

  test('Python client ↔ socketkit echo server written as a tutorial reader would (recv, sendAll)', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent echo client')) return;
    const server = await listen();
    const serving = (async () => {
      const [conn] = await server.accept();
      for (let data = await conn.recv(1024); data.length > 0; data = await conn.recv(1024)) {
        await conn.sendAll(data);
      }
      await conn.close();
    })();
    const result = await runPython(
      `
import socket, sys
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.connect(('127.0.0.1', int(sys.argv[1])))
    s.sendall(b'hello there')
    print(str(s.recv(4096), 'utf-8'))
    big = bytes(range(256)) * 4000
    s.sendall(big)
    got = b''
    while len(got) < len(big):
        got += s.recv(65536)
    print(got == big)
    s.shutdown(socket.SHUT_WR)
    print(repr(s.recv(10)))
`,
      [String(server.address.port)],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), "hello there\nTrue\nb''\n");
    await serving;
    await server.close();
  });

  test('Python sees the reply of a socketkit server that reads until EOF (half-close the other way)', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent client')) return;
    const server = await listen();
    const serving = (async () => {
      const [conn] = await server.accept();
      const chunks: Uint8Array[] = [];
      for (let data = await conn.recv(); data.length > 0; data = await conn.recv())
        chunks.push(data);
      const all = Buffer.concat(chunks);
      await conn.sendAll(Buffer.from(all).reverse());
      await conn.close();
    })();
    const result = await runPython(
      `
import socket, sys
c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
c.sendall(b'Hello, world!')
c.shutdown(socket.SHUT_WR)
back = b''
while True:
    d = c.recv(1024)
    if not d:
        break
    back += d
print(back.decode())
`,
      [String(server.address.port)],
    );
    assert.equal(result.stdout.toString(), '!dlrow ,olleH\n', result.stderr);
    await serving;
    await server.close();
  });

  test('UDP both ways: a Python sender → socketkit, and socketkit → a Python echo', async (t) => {
    if (!requirePeer(t, 'python3', 'as an independent UDP peer')) return;
    const sock = await udp({ bind: 0 });
    const sending = runPython(
      `
import socket, sys
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.sendto(b'from python', ('127.0.0.1', int(sys.argv[1])))
    s.settimeout(5)
    data, addr = s.recvfrom(1024)
    print(data.decode())
`,
      [String(sock.localAddress!.port)],
    );
    const { data, address } = await sock.recvFrom(1024, { timeout: 5000 });
    assert.equal(decode(data), 'from python');
    await sock.sendTo(encode('from socketkit'), address.host, address.port);
    const result = await sending;
    assert.equal(result.stdout.toString(), 'from socketkit\n', result.stderr);
    await sock.close();
  });
});
