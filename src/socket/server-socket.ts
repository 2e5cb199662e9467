/**
 * Listening sockets: Python's `bind` + `listen` + `accept`.
 *
 * Node accepts connections as they arrive; socketkit holds them in a queue
 * until `accept()` asks, up to `backlog` of them (beyond that, like a full
 * kernel backlog, new connections are turned away with a reset).
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { chmod, link, lstat, unlink } from 'node:fs/promises';
import { createServer as createTcpServer, type Server, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import {
  type Address,
  describeFileKind,
  describeUnixPath,
  formatAddressTuple,
  type SocketAddress,
  toSocketAddress,
  type UnixAddress,
  validateHost,
  validateTimeout,
  validateUnixPath,
} from '../core/address.js';
import {
  AddressInUseError,
  type ErrorContext,
  fromNodeError,
  SocketClosedError,
} from '../core/errors.js';
import { DEFAULT_BUFFER_LIMIT } from '../core/receive-buffer.js';
import { resolvePort } from '../core/service-table.js';
import { timeoutFor, Waiter, type WaitOptions } from '../core/waiter.js';
import { adoptAccepted } from './_direct-read.js';
import { StreamSocket } from './stream-socket.js';
import {
  reuseSettings,
  type TcpSettings,
  type TcpSocketOptions,
  tcpSettings,
  withTcpSettings,
} from './tcp-options.js';
import { checkTlsOptions, serverTlsOptions, type TlsListenOptions } from './tls.js';

/**
 * Options for {@link listen}. `noDelay` (default on) and `keepAlive` apply to every accepted
 * connection ({@link TcpSocketOptions}).
 */
export interface ListenOptions extends TcpSocketOptions {
  /** Address to bind. Default `127.0.0.1`: reachable only from this machine. `0.0.0.0` or `::` for every interface. */
  host?: string;
  /** Port to bind; `0` (the default) lets the OS choose. Service names work too. */
  port?: number | string;
  /** Most accepted connections waiting for `accept()`. Default 511, as Node's `listen`. */
  backlog?: number;
  /** Serve TLS with this key and certificate. */
  tls?: TlsListenOptions;
  /** Buffer limit for each accepted socket. Default 64 KiB. */
  bufferLimit?: number;
  /** Accept only IPv6 on a `::` bind, no IPv4-mapped addresses. */
  ipv6Only?: boolean;
  /**
   * SO_REUSEADDR: always on for TCP listeners (Node sets it, so a restarted server binds while
   * old connections sit in TIME_WAIT). Accepted as `true` for code ported from Python; `false`
   * is refused, as it cannot be honoured.
   */
  reuseAddress?: boolean;
  /**
   * SO_REUSEPORT: several servers (processes or workers) listen on one port and the kernel
   * spreads connections over them. Linux; needs Node.js 22.12 or later (older versions would
   * ignore it, so it is refused there). Default `false`.
   */
  reusePort?: boolean;
}

/** Options for listening on a Unix domain socket: {@link listen}`({ path })`. */
export interface UnixListenOptions {
  /**
   * The socket file to create, or on Linux `\0name` for an abstract name (no file). A socket
   * file left by a server that is gone is replaced; anything else at the path is refused.
   */
  path: string;
  /** Permission bits for the socket file once it exists, e.g. `0o660`. Default: as the umask leaves them. */
  mode?: number;
  /** Most accepted connections waiting for `accept()`. Default 511. */
  backlog?: number;
  /** Serve TLS with this key and certificate. */
  tls?: TlsListenOptions;
  /** Buffer limit for each accepted socket. Default 64 KiB. */
  bufferLimit?: number;
}

/**
 * Binds and listens (Python's `bind` + `listen`), and resolves once the socket is listening.
 * On 127.0.0.1 by default: only this machine can connect until you say otherwise.
 *
 * @param options The address and port (default 127.0.0.1, a port the OS picks), backlog, TLS.
 * @throws {TypeError} the host is empty or holds whitespace.
 * @throws {RangeError} the port is outside 0–65535, or `backlog` is not a positive integer.
 * @throws {AddressInUseError} the address and port are taken.
 * @throws {PermissionDeniedError} a privileged port without the privilege.
 *
 * @example An echo server, one client at a time
 * ```ts
 * import { connect, decode, encode, listen } from 'socketkit';
 * await using server = await listen({ port: 0 }); // 0: the OS picks a free port
 * const serving = (async () => {
 *   const [conn] = await server.accept();
 *   for (let data = await conn.recv(1024); data.length > 0; data = await conn.recv(1024)) {
 *     await conn.sendAll(data);
 *   }
 *   await conn.close();
 * })();
 * await using client = await connect('127.0.0.1', server.address.port);
 * await client.sendAll(encode('hello'));
 * console.log(decode(await client.recv(1024))); // hello
 * await client.shutdown('write');
 * await serving;
 * ```
 */
export function listen(options?: ListenOptions): Promise<ServerSocket<SocketAddress>>;
/**
 * Listens on a Unix domain socket (Python's `socket(AF_UNIX).bind(path)` + `listen`): a socket
 * file, or on Linux an abstract name (`\0name`). A socket file a dead server left behind is
 * replaced; a live one is `AddressInUseError`, and a path that is not a socket is refused
 * untouched. Closing the server removes the file.
 *
 * @param options The path, its permission bits, backlog, TLS.
 * @throws {TypeError} the path is empty, holds a NUL past its first byte, or `mode` is not 0–0o777.
 * @throws {AddressInUseError} a server is listening on the path, or something that is not a socket is there.
 * @throws {PermissionDeniedError} the folder may not be written.
 *
 * @example A server on a socket file, and its address
 * ```ts
 * import { connect, listen } from 'socketkit';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const path = join(tmpdir(), `socketkit-doc-${process.pid}.sock`);
 * await using server = await listen({ path, mode: 0o600 });
 * await using client = await connect({ path });
 * const [conn, peer] = await server.accept();
 * console.log(conn.family, peer.path === '', String(server).includes(path)); // AF_UNIX true true
 * await conn.close();
 * ```
 */
export function listen(options: UnixListenOptions): Promise<ServerSocket<UnixAddress>>;
export async function listen(
  options: ListenOptions | UnixListenOptions = {},
): Promise<ServerSocket> {
  if ('path' in options && options.path !== undefined) return listenUnix(options);
  return listenTcp(options as ListenOptions);
}

function validateBacklog(backlog: unknown): number {
  if (!Number.isInteger(backlog) || (backlog as number) < 1) {
    throw new RangeError(`Invalid backlog ${String(backlog)}: it must be a positive integer`);
  }
  return backlog as number;
}

function createServerFor(tls: TlsListenOptions | undefined): Server {
  if (tls !== undefined) checkTlsOptions(tls, 'server');
  return tls
    ? createTlsServer({ ...serverTlsOptions(tls), allowHalfOpen: true })
    : // Paused on connect, so each connection's handle can move to a direct-read socket.
      createTcpServer({ allowHalfOpen: true, pauseOnConnect: true });
}

function startListening(
  server: Server,
  listenOptions: Parameters<Server['listen']>[0],
  context: ErrorContext,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(fromNodeError(error, { syscall: 'bind', ...context }));
    server.once('error', onError);
    server.listen(listenOptions, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function listenTcp(options: ListenOptions): Promise<ServerSocket<SocketAddress>> {
  const host = validateHost(options.host ?? '127.0.0.1');
  const port = resolvePort(options.port ?? 0, 'tcp');
  const backlog = validateBacklog(options.backlog ?? 511);
  const tcp = tcpSettings(options as Record<string, unknown>);
  const { reusePort } = reuseSettings(options);
  const server = createServerFor(options.tls);
  const serverSocket = new ServerSocket<SocketAddress>(server, {
    backlog,
    bufferLimit: options.bufferLimit ?? DEFAULT_BUFFER_LIMIT,
    tls: options.tls !== undefined,
    unixPath: null,
    tcp,
  });
  await startListening(
    server,
    {
      host,
      port,
      backlog,
      ipv6Only: options.ipv6Only ?? false,
      ...(reusePort ? { reusePort } : {}),
    } as Parameters<Server['listen']>[0],
    { host, port },
  );
  serverSocket._listening();
  return serverSocket;
}

async function listenUnix(options: UnixListenOptions): Promise<ServerSocket<UnixAddress>> {
  const path = validateUnixPath(options.path);
  const backlog = validateBacklog(options.backlog ?? 511);
  const mode = options.mode;
  if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o777))
    throw new TypeError(
      `Invalid mode ${String(mode)}: it must be permission bits from 0 to 0o777, such as 0o660`,
    );
  const context = { path };
  if (options.tls !== undefined) checkTlsOptions(options.tls, 'server');
  if (!path.startsWith('\0')) await clearStaleSocket(path);
  const server = createServerFor(options.tls);
  const serverSocket = new ServerSocket<UnixAddress>(server, {
    backlog,
    bufferLimit: options.bufferLimit ?? DEFAULT_BUFFER_LIMIT,
    tls: options.tls !== undefined,
    unixPath: path,
    tcp: null,
  });
  const own = path.startsWith('\0') ? null : await bindBeside(server, path, backlog);
  if (own === null) await startListening(server, { path, backlog }, context);
  serverSocket._ownFile(own);
  if (mode !== undefined && !path.startsWith('\0')) {
    try {
      await chmod(path, mode);
    } catch (error) {
      await serverSocket.close();
      throw fromNodeError(error, { syscall: 'chmod', path });
    }
  }
  serverSocket._listening();
  return serverSocket;
}

/**
 * Binds a socket file at `path` without letting the server delete someone else's file later.
 * Node removes a Unix server's file by name when it closes, whatever is at that name by then.
 * So the server binds a name of its own beside `path` and links `path` to it (a link never
 * replaces what is there: EEXIST). Node later removes only that private name, and `close()`
 * removes `path` only while it is still this socket (same device and inode). Returns the
 * file's identity, or `null` when the private name would be too long (then it binds `path`).
 */
async function bindBeside(
  server: Server,
  path: string,
  backlog: number,
): Promise<{ path: string; dev: number; ino: number } | null> {
  const temp = join(dirname(path), `.socketkit-${randomBytes(4).toString('hex')}.sock`);
  if (Buffer.byteLength(temp) > 107) return null;
  await startListening(server, { path: temp, backlog }, { path });
  try {
    await link(temp, path);
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new AddressInUseError(`Cannot listen on ${path}: something appeared there meanwhile`, {
        syscall: 'bind',
        path,
        errnoName: 'EADDRINUSE',
      });
    throw fromNodeError(error, { syscall: 'bind', path });
  } finally {
    await unlink(temp).catch(() => {});
  }
  const stat = await lstat(path);
  return { path, dev: stat.dev, ino: stat.ino };
}

/**
 * Makes way for a new socket file at `path`: nothing there is fine; a socket file nobody
 * listens on (a server that died) is removed; a live socket, or anything that is not a socket,
 * is refused and left alone.
 */
async function clearStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw fromNodeError(error, { syscall: 'bind', path });
  });
  if (stat === null) return;
  if (!stat.isSocket()) {
    throw new AddressInUseError(
      `Cannot listen on ${path}: it is ${describeFileKind(stat)}, not a socket, so it is left alone`,
      { syscall: 'bind', path, errnoName: 'EADDRINUSE' },
    );
  }
  const alive = await new Promise<boolean>((resolve) => {
    const probe = new Socket();
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      probe.destroy();
      // Refused: a file with nobody behind it. Anything else (EACCES, say): leave it be.
      resolve(error.code !== 'ECONNREFUSED');
    });
    probe.connect({ path });
  });
  if (alive) {
    throw new AddressInUseError(
      `Cannot listen on ${path}: a server is already listening on it (EADDRINUSE)`,
      { syscall: 'bind', path, errnoName: 'EADDRINUSE' },
    );
  }
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw fromNodeError(error, { syscall: 'unlink', path });
  });
}

interface ServerSocketOptions {
  backlog: number;
  bufferLimit: number;
  tls: boolean;
  /** The path of a Unix socket server, `null` for TCP. */
  unixPath: string | null;
  /** TCP options for each accepted connection; `null` for a Unix socket server. */
  tcp: TcpSettings | null;
}

/**
 * A listening TCP (or TLS) socket, or a Unix domain one (`A` is then {@link UnixAddress}). Get
 * one from {@link listen}. Connections wait in a queue of up
 * to `backlog` until `accept()` takes them; `for await (const conn of server)` takes each in turn
 * until the server is closed.
 *
 * @example Serving each connection in turn until closed
 * ```ts
 * import { connect, listen } from 'socketkit';
 * const server = await listen();
 * const served = (async () => {
 *   let count = 0;
 *   for await (const conn of server) {
 *     await conn.writeLine(`you are client ${++count}`);
 *     await conn.close();
 *   }
 *   return count;
 * })();
 * await using first = await connect('127.0.0.1', server.address.port);
 * console.log(await first.readLine()); // you are client 1
 * await using second = await connect('127.0.0.1', server.address.port);
 * console.log(await second.readLine()); // you are client 2
 * await server.close(); // ends the loop
 * console.log(await served); // 2
 * ```
 */
export class ServerSocket<A extends Address = Address> implements AsyncIterable<StreamSocket<A>> {
  /** Python's `socket.type`: always `SOCK_STREAM` here. */
  readonly type = 'SOCK_STREAM' as const;
  /** The protocol number: 6 (TCP), or 0 for a Unix socket. */
  readonly proto: number;

  readonly #server: Server;
  readonly #options: ServerSocketOptions;
  // Kept without A: private fields count towards variance, and a server of TCP sockets must
  // still be a ServerSocket (of any address).
  #queue: StreamSocket[] = [];
  #acceptWaiters: Waiter<StreamSocket>[] = [];
  #closed = false;
  #address: Address | null = null;
  #ownFile: { path: string; dev: number; ino: number } | null = null;
  #timeout: number | null = null;
  #error: Error | null = null;

  /** @internal Use {@link listen}. */
  constructor(server: Server, options: ServerSocketOptions) {
    this.#server = server;
    this.#options = options;
    this.proto = options.unixPath === null ? 6 : 0;
    const onSocket = (socket: Socket) => this.#onConnection(socket);
    server.on(options.tls ? 'secureConnection' : 'connection', onSocket);
    // Failed TLS handshakes are the client's problem; they must not take the server down.
    server.on('tlsClientError', () => {});
    server.on('error', (error: Error) => {
      this.#error = fromNodeError(error, { syscall: 'accept', ...this.#context() });
      for (const waiter of this.#acceptWaiters.splice(0)) waiter.reject(this.#error);
    });
  }

  /** @internal Records the bound address once listening. */
  _listening(): void {
    if (this.#options.unixPath !== null) {
      this.#address = { path: this.#options.unixPath, family: 'AF_UNIX' };
      return;
    }
    const bound = this.#server.address();
    if (bound !== null && typeof bound === 'object') {
      this.#address = toSocketAddress(bound.address, bound.port, bound.family);
    }
  }

  /**
   * Waits for the next connection and returns it with the peer's address
   * (Python's `conn, addr = server.accept()`).
   *
   * @param options How long to wait (ms, overriding `setTimeout()`), and a signal to cancel.
   * @throws {SocketClosedError} the server was closed.
   * @throws {SocketTimeoutError} no connection came in time.
   * @throws {SocketAbortError} the signal aborted the wait.
   */
  accept(options?: WaitOptions): Promise<[StreamSocket<A>, A]> {
    // #onConnection keeps only connections whose peer address is known.
    return this.#next(options).then((sock) => [sock, sock.remoteAddress as A]);
  }

  /** Iterates over incoming connections until the server is closed: `for await (const conn of server)`. */
  async *[Symbol.asyncIterator](): AsyncIterator<StreamSocket<A>> {
    for (;;) {
      let sock: StreamSocket<A>;
      try {
        sock = await this.#next();
      } catch (error) {
        if (error instanceof SocketClosedError) return;
        throw error;
      }
      yield sock;
    }
  }

  /** The bound address: with `port: 0`, this tells which port the OS chose. */
  get address(): A {
    if (this.#address === null) throw new SocketClosedError('The server is not listening');
    return this.#address as A;
  }

  /** `AF_INET`, `AF_INET6` or `AF_UNIX`. */
  get family(): A['family'] {
    return (this.#address?.family ??
      (this.#options.unixPath === null ? 'AF_INET' : 'AF_UNIX')) as A['family'];
  }

  /** How many accepted connections are waiting for `accept()`. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Default wait for `accept()`, in ms; `null` (the default) waits forever.
   *
   * @throws {TypeError} `ms` is not a number or `null`.
   * @throws {RangeError} `ms` is negative or not finite.
   */
  setTimeout(ms: number | null): void {
    this.#timeout = validateTimeout(ms);
  }

  /**
   * Stops listening and frees the port. Connections already accepted stay
   * open (as in Python); connections still queued for `accept()` are closed;
   * a waiting `accept()` rejects and `for await` loops end.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#acceptWaiters.splice(0)) {
      waiter.reject(new SocketClosedError(`The server on ${this.#describe()} was closed`));
    }
    for (const sock of this.#queue) void sock.close();
    this.#queue = [];
    await new Promise<void>((resolve) => {
      // server.close() waits for every connection to end; the port itself is free once the handle closes.
      this.#server.close();
      setImmediate(resolve);
    });
    const own = this.#ownFile;
    if (own !== null) {
      // Only while the name is still this socket: a file someone put there since stays.
      const now = await lstat(own.path).catch(() => null);
      if (now !== null && now.dev === own.dev && now.ino === own.ino)
        await unlink(own.path).catch(() => {});
    }
  }

  /** @internal The socket file this server made, removed at close while it is still this one. */
  _ownFile(file: { path: string; dev: number; ino: number } | null): void {
    this.#ownFile = file;
  }

  /** `await using server = await listen(…)` closes the server at the end of the block, as {@link close} does. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Python's socket repr: `<ServerSocket fd=3, family=AF_INET, type=SOCK_STREAM, proto=6, laddr=('127.0.0.1', 8001)>`. */
  toString(): string {
    const state = this.#closed ? ' [closed]' : '';
    const fd = (this.#server as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    const laddr = this.#closed ? '' : `, laddr=${formatAddressTuple(this.#address)}`;
    return `<ServerSocket${state} fd=${fd}, family=${this.family}, type=${this.type}, proto=${this.proto}${laddr}>`;
  }

  /** What `console.log(server)` and `util.inspect` show: {@link toString}. */
  [inspect.custom](): string {
    return this.toString();
  }

  #onConnection(socket: Socket | TLSSocket): void {
    if (this.#closed || this.#queue.length >= this.#options.backlog) {
      // Turned away with a reset, as a full kernel backlog would; a TLS socket's handle is not
      // the TCP one Node can reset (it throws), so that one is closed instead.
      if (socket instanceof TLSSocket) socket.destroy();
      else socket.resetAndDestroy();
      return;
    }
    let source: Socket = socket;
    if (!this.#options.tls) {
      const adopted = adoptAccepted(socket, this.#server);
      if (adopted) source = adopted;
      else socket.resume();
    }
    const unixPath = this.#options.unixPath;
    const sock = new StreamSocket(source, {
      bufferLimit: this.#options.bufferLimit,
      accepted: true,
      ...(unixPath === null ? {} : { unix: { local: unixPath, remote: '' } }),
    });
    if (this.#options.tcp !== null && sock.remoteAddress !== null)
      withTcpSettings(sock, this.#options.tcp);
    if (sock.remoteAddress === null) {
      // The client reset the connection before Node asked who it was (getpeername failed): it is
      // already gone, and accept() must give an address with every connection, so drop it here.
      void sock.abort();
      return;
    }
    const waiter = this.#acceptWaiters.shift();
    if (waiter !== undefined) waiter.resolve(sock);
    else this.#queue.push(sock);
  }

  #next(options?: WaitOptions): Promise<StreamSocket<A>> {
    return this.#nextAny(options) as Promise<StreamSocket<A>>;
  }

  #nextAny(options?: WaitOptions): Promise<StreamSocket> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) {
      return Promise.reject(
        new SocketClosedError(`accept() on the closed server ${this.#describe()}`),
      );
    }
    if (this.#error !== null) return Promise.reject(this.#error);
    let timeout: number | null;
    try {
      timeout = timeoutFor(options, this.#timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const waiter = new Waiter<StreamSocket>(timeout, options?.signal, {
      call: 'accept()',
      target: ` on ${this.#describe()}`,
      detach: () => {
        const at = this.#acceptWaiters.indexOf(waiter);
        if (at >= 0) this.#acceptWaiters.splice(at, 1);
      },
      ...this.#context(),
    });
    if (!waiter.settled) this.#acceptWaiters.push(waiter);
    return waiter.promise;
  }

  #context(): ErrorContext {
    const address = this.#address;
    if (address?.family === 'AF_UNIX') return { path: address.path };
    return { host: address?.host, port: address?.port };
  }

  #describe(): string {
    const address = this.#address;
    if (address === null) return 'an unbound socket';
    if (address.family === 'AF_UNIX') return describeUnixPath(address.path);
    return `${address.host} port ${address.port}`;
  }
}
