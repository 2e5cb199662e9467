/**
 * UDP sockets: Python's `socket(AF_INET, SOCK_DGRAM)` with `sendto`, `recvfrom`, and
 * `connect` + `send`/`recv`.
 *
 * Without an explicit `family`, the socket takes the family of the first address it binds,
 * connects or sends to (`connect('::1', 7)` gives an IPv6 socket), as a TCP connection follows
 * its address. Names are resolved by socketkit before Node sees them, so a name that does not
 * resolve is a `NameResolutionError` from the call that used it, never an uncatchable crash.
 *
 * Datagrams that arrive before anyone asks wait in a bounded queue; past that bound they are
 * dropped and counted (`dropped`), as a full kernel receive buffer would drop them.
 *
 * @module
 */

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { inspect } from 'node:util';
import {
  type AddressFamily,
  formatAddressTuple,
  type SocketAddress,
  toSocketAddress,
  validateHost,
  validateTimeout,
} from '../core/address.js';
import { asBuffer, type Bytes } from '../core/bytes.js';
import {
  ConcurrentReadError,
  fromNodeError,
  InvalidStateError,
  NameResolutionError,
  SocketClosedError,
} from '../core/errors.js';
import { resolvePort } from '../core/service-table.js';
import { timeoutFor, Waiter, type WaitOptions } from '../core/waiter.js';

/** The largest UDP payload over IPv4: 65,535 − 8 (UDP header) − 20 (IP header). */
export const MAX_DATAGRAM_IPV4 = 65507;
/** The largest UDP payload over IPv6 without jumbograms: 65,535 − 8. */
export const MAX_DATAGRAM_IPV6 = 65527;

/** A datagram and who sent it (Python's `(data, address)` from `recvfrom`). */
export interface Datagram {
  /** The datagram's bytes, cut to the size asked for. */
  data: Bytes;
  /** Who sent it: reply there with `sendTo(…, address.host, address.port)`. */
  address: SocketAddress;
}

/** Options for {@link udp}. */
export interface UdpOptions {
  /** 4 or 6. Default: the family of the first address used (IPv4 when bound without one). */
  family?: 4 | 6;
  /** Bind at once: a port, or a host and port. The host defaults to 127.0.0.1 (::1 for IPv6). */
  bind?:
    | number
    | string
    | {
        /** The local address to bind. Default 127.0.0.1 (::1 for IPv6). */
        host?: string;
        /** The port, numeric string or service name; 0 (the default) lets the OS pick. */
        port?: number | string;
      };
  /** Most datagrams kept for a reader that is not asking. Default 1024. */
  queueLimit?: number;
  /** Allow several sockets to bind the same address (SO_REUSEADDR). */
  reuseAddress?: boolean;
}

/**
 * Creates a UDP socket (Python's `socket(AF_INET, SOCK_DGRAM)`), bound at once when `bind` says
 * where. Without `bind`, it is bound to a port the OS picks when it first sends.
 *
 * @param options The family, where to bind, the receive queue's bound, SO_REUSEADDR.
 * @throws {TypeError} `family` is not 4 or 6.
 * @throws {RangeError} `queueLimit` is not a positive integer, or the bind port is out of range.
 * @throws {AddressInUseError} the bind address and port are taken.
 *
 * @example Ask a QOTD server for a quote (RFC 865)
 * ```ts
 * import { decode, udp } from 'socketkit';
 * await using sock = await udp();
 * sock.setTimeout(2000);
 * await sock.sendTo(new Uint8Array(0), '127.0.0.1', 17);
 * const { data } = await sock.recvFrom(1024);
 * console.log(decode(data)); // Measure twice, cut once.
 * ```
 */
export async function udp(options: UdpOptions = {}): Promise<DatagramSocket> {
  const family = options.family;
  if (family !== undefined && family !== 4 && family !== 6)
    throw new TypeError(`Invalid family ${String(family)}: use 4 or 6`);
  const queueLimit = options.queueLimit ?? 1024;
  if (!Number.isInteger(queueLimit) || queueLimit < 1) {
    throw new RangeError(`Invalid queueLimit ${String(queueLimit)}: it must be a positive integer`);
  }
  const sock = new DatagramSocket(family ?? null, queueLimit, options.reuseAddress === true);
  if (options.bind !== undefined) {
    const bind = options.bind;
    if (typeof bind === 'object') await sock.bind(bind.port ?? 0, bind.host);
    else await sock.bind(bind);
  }
  return sock;
}

/**
 * A UDP socket: datagrams in and out, each whole or not at all. Get one from {@link udp}.
 *
 * Unconnected, it sends with `sendTo()` and receives from anyone with `recvFrom()`; after
 * `connect()` it talks to one peer with `send()` and `recv()` and hears only that peer. Datagrams
 * that arrive before anyone asks wait in a bounded queue (`queueLimit`); past it they are dropped
 * and counted in `dropped`, as a full kernel buffer drops them.
 *
 * @example An echo round trip, connected
 * ```ts
 * import { decode, encode, udp } from 'socketkit';
 * await using sock = await udp();
 * await sock.connect('127.0.0.1', 7); // echo (RFC 862)
 * await sock.send(encode('ping'));
 * console.log(decode(await sock.recv(1024, { timeout: 2000 }))); // ping
 * ```
 */
export class DatagramSocket {
  /** Python's `socket.type`: always `SOCK_DGRAM` here. */
  readonly type = 'SOCK_DGRAM' as const;
  /** The IP protocol number: 17 (UDP). */
  readonly proto = 17;

  readonly #queueLimit: number;
  readonly #reuseAddress: boolean;
  #family: 4 | 6 | null;
  #sock: UdpSocket | null = null;
  #queue: Datagram[] = [];
  #reader: { size: number; waiter: Waiter<Datagram> } | null = null;
  #error: Error | null = null;
  #bound = false;
  #remote: SocketAddress | null = null;
  #closed = false;
  #timeout: number | null = null;
  #dropped = 0;
  #broadcast = false;

  /** @internal Use {@link udp}. */
  constructor(family: 4 | 6 | null, queueLimit: number, reuseAddress: boolean) {
    this.#family = family;
    this.#queueLimit = queueLimit;
    this.#reuseAddress = reuseAddress;
    if (family !== null) this.#open(family);
  }

  /** `AF_INET` or `AF_INET6`: fixed once the socket is created or has used an address. */
  get family(): AddressFamily {
    return this.#family === 6 ? 'AF_INET6' : 'AF_INET';
  }

  /**
   * Binds to a local address (Python's `bind`). The host defaults to 127.0.0.1 (::1 on an IPv6
   * socket); pass `'0.0.0.0'` (or `'::'`) to receive from other machines.
   *
   * @param port A port, numeric string or service name; 0 (the default) lets the OS pick.
   * @param host The local address to bind.
   * @throws {AddressInUseError} the port is taken.
   * @throws {NameResolutionError} the host does not resolve, or is of the other family.
   * @throws {SocketClosedError} the socket is closed.
   *
   * @example Serving datagrams on a port of its own
   * ```ts
   * import { decode, encode, udp } from 'socketkit';
   * await using server = await udp();
   * await server.bind(0);
   * const port = server.localAddress!.port;
   * await using client = await udp();
   * await client.sendTo(encode('hi'), '127.0.0.1', port);
   * const { data, address } = await server.recvFrom(1024, { timeout: 2000 });
   * console.log(decode(data), address.host); // hi 127.0.0.1
   * ```
   */
  async bind(port: number | string = 0, host?: string): Promise<void> {
    this.#assertOpen('bind()');
    const portNumber = resolvePort(port, 'udp');
    const given = host === undefined ? undefined : validateHost(host);
    const address = await this.#resolve(
      given ?? (this.#family === 6 ? '::1' : '127.0.0.1'),
      'bind',
      portNumber,
    );
    const sock = this.#socket();
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) =>
        reject(fromNodeError(error, { syscall: 'bind', host: address, port: portNumber }));
      sock.once('error', onError);
      sock.bind(portNumber, address, () => {
        sock.off('error', onError);
        this.#bound = true;
        this.#applyOptions();
        resolve();
      });
    });
  }

  /**
   * Sends one datagram to `host` and `port` (Python's `sendto`) and resolves with its size once
   * the kernel has it. The first send binds an unbound socket to a port the OS picks.
   *
   * @throws {TypeError} `data` is a string or not bytes (encode text first).
   * @throws {RangeError} the datagram is over 65,507 bytes (65,527 over IPv6).
   * @throws {InvalidStateError} the socket is connected: use `send()`.
   * @throws {NameResolutionError} the host does not resolve, or is of the other family.
   */
  async sendTo(data: Bytes, host: string, port: number | string): Promise<number> {
    const buf = asBuffer(data, 'sendTo()');
    this.#assertOpen('sendTo()');
    if (this.#remote !== null) {
      throw new InvalidStateError(
        `sendTo() on a socket connected to ${this.#remote.host} port ${this.#remote.port}: use send()`,
      );
    }
    const portNumber = destinationPort(port, 'sendTo()');
    const address = await this.#resolve(validateHost(host), 'sendto', portNumber);
    this.#checkSize(buf, 'sendTo()');
    return this.#send(buf, { host: address, port: portNumber }, 'sendto');
  }

  /**
   * Sets the default peer (Python's `connect` on a UDP socket): `send` and `recv` then need no
   * address, and only that peer's datagrams are received. No packet is sent: UDP has no handshake.
   *
   * @throws {NameResolutionError} the host does not resolve (for this socket's family).
   */
  async connect(host: string, port: number | string): Promise<void> {
    this.#assertOpen('connect()');
    const portNumber = destinationPort(port, 'connect()');
    const address = await this.#resolve(validateHost(host), 'connect', portNumber);
    const sock = this.#socket();
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) =>
        reject(fromNodeError(error, { syscall: 'connect', host: address, port: portNumber }));
      sock.once('error', fail);
      sock.connect(portNumber, address, (error?: Error) => {
        sock.off('error', fail);
        if (error) {
          fail(error);
          return;
        }
        const peer = sock.remoteAddress();
        this.#remote = toSocketAddress(peer.address, peer.port, peer.family);
        this.#bound = true;
        this.#applyOptions();
        resolve();
      });
    });
  }

  /**
   * Sends one datagram to the connected peer and resolves with its size.
   *
   * @throws {InvalidStateError} the socket is not connected: use `sendTo()`, or `connect()` first.
   * @throws {RangeError} the datagram is too big for UDP.
   */
  async send(data: Bytes): Promise<number> {
    const buf = asBuffer(data, 'send()');
    this.#assertOpen('send()');
    if (this.#remote === null)
      throw new InvalidStateError(
        'send() on an unconnected UDP socket: use sendTo() or connect() first',
      );
    this.#checkSize(buf, 'send()');
    return this.#send(buf, null, 'send');
  }

  /**
   * Receives one datagram and who sent it (Python's `recvfrom`). A datagram longer than `size`
   * is cut to `size` bytes; the rest is lost, as in Python.
   *
   * @param size The most bytes to keep of the datagram. Default 65535.
   * @param options How long to wait (ms, overriding `setTimeout()`), and a signal to cancel.
   * @throws {SocketTimeoutError} nothing arrived in time.
   * @throws {InvalidStateError} the socket is not bound yet (bind it, or send first).
   * @throws {ConnectionRefusedError} an earlier datagram met a closed port (ICMP port unreachable).
   */
  recvFrom(size = 65535, options?: WaitOptions): Promise<Datagram> {
    return this.#receive(size, options, 'recvFrom');
  }

  /**
   * Receives one datagram's bytes from the connected peer (Python's `recv`).
   *
   * @throws {InvalidStateError} the socket is not connected: use `recvFrom()`, or `connect()` first.
   * @throws {SocketTimeoutError} nothing arrived in time.
   */
  async recv(size = 65535, options?: WaitOptions): Promise<Bytes> {
    return (await this.#receive(size, options, 'recv')).data;
  }

  /**
   * Default wait for receives, in ms; `null` (the default) waits forever.
   *
   * @throws {TypeError} `ms` is not a number or `null`.
   * @throws {RangeError} `ms` is negative or not finite.
   */
  setTimeout(ms: number | null): void {
    this.#timeout = validateTimeout(ms);
  }

  /** The default wait set by {@link setTimeout}, in ms, or `null`. */
  get timeout(): number | null {
    return this.#timeout;
  }

  /** Datagrams dropped because nobody read them and the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** This socket's address once bound (Python's `getsockname()`), else `null`. */
  get localAddress(): SocketAddress | null {
    if (!this.#bound || this.#closed || this.#sock === null) return null;
    try {
      const local = this.#sock.address();
      return toSocketAddress(local.address, local.port, local.family);
    } catch {
      return null;
    }
  }

  /** The connected peer, or `null`. */
  get remoteAddress(): SocketAddress | null {
    return this.#remote;
  }

  /**
   * Enables sending to broadcast addresses (SO_BROADCAST). Before the socket is bound the
   * setting is kept and applied when it binds (Node can set it only on a bound socket).
   */
  setBroadcast(on = true): void {
    this.#assertOpen('setBroadcast()');
    this.#broadcast = on;
    if (this.#bound) this.#sock!.setBroadcast(on);
  }

  /** Closes the socket; a waiting receive rejects with `SocketClosedError`. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const reader = this.#reader;
    this.#reader = null;
    reader?.waiter.reject(
      new SocketClosedError('The UDP socket was closed while a receive was waiting'),
    );
    this.#queue = [];
    const sock = this.#sock;
    if (sock === null) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        sock.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  /** `await using sock = await udp()` closes the socket at the end of the block, as {@link close} does. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Python's socket repr: `<DatagramSocket fd=7, family=AF_INET, type=SOCK_DGRAM, proto=17, laddr=('127.0.0.1', 40321)>`. */
  toString(): string {
    const state = this.#closed ? ' [closed]' : '';
    const fd = this.#closed || this.#sock === null ? -1 : udpFd(this.#sock);
    const laddr = this.localAddress ? `, laddr=${formatAddressTuple(this.localAddress)}` : '';
    const raddr =
      this.#remote && !this.#closed ? `, raddr=${formatAddressTuple(this.#remote)}` : '';
    return `<DatagramSocket${state} fd=${fd}, family=${this.family}, type=${this.type}, proto=${this.proto}${laddr}${raddr}>`;
  }

  /** What `console.log(sock)` and `util.inspect` show: {@link toString}. */
  [inspect.custom](): string {
    return this.toString();
  }

  // ── internals ─────────────────────────────────────────────────────────

  /** The numeric address for `host`, fixing this socket's family when it has none yet. */
  async #resolve(host: string, syscall: string, port: number): Promise<string> {
    const numeric = isIP(host);
    if (numeric !== 0) {
      if (this.#family !== null && numeric !== this.#family) {
        throw new NameResolutionError(
          `Address ${host} is IPv${numeric}, but this UDP socket is IPv${this.#family} (AF_INET${this.#family === 6 ? '6' : ''})`,
          { host, port, syscall, errnoName: 'EAI_FAMILY' },
        );
      }
      this.#family ??= numeric as 4 | 6;
      return host;
    }
    const family = this.#family;
    const found = await new Promise<{ address: string; family: number }>((resolve, reject) => {
      dnsLookup(host, { family: family ?? 0 }, (error, address, addressFamily) => {
        if (error) reject(fromNodeError(error, { syscall: 'getaddrinfo', host, port }));
        else resolve({ address, family: addressFamily });
      });
    });
    this.#assertOpen(`${syscall}()`);
    this.#family ??= found.family === 6 ? 6 : 4;
    return found.address;
  }

  /** The Node socket, created with this socket's family on first use. */
  #socket(): UdpSocket {
    return this.#sock ?? this.#open(this.#family ?? 4);
  }

  #open(family: 4 | 6): UdpSocket {
    this.#family = family;
    const socket = createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      reuseAddr: this.#reuseAddress,
    });
    socket.on('message', (data, info) => this.#onMessage(data, info));
    socket.on('listening', () => {
      this.#bound = true;
      this.#applyOptions();
    });
    socket.on('error', (error) => {
      // ICMP "port unreachable" arrives as ECONNREFUSED on a connected socket: report it on the
      // next read (as Linux does for Python) and keep the socket usable.
      const mapped = fromNodeError(error, { ...this.#peer(), syscall: 'recv' });
      const reader = this.#reader;
      if (reader !== null) {
        this.#reader = null;
        reader.waiter.reject(mapped);
      } else {
        this.#error = mapped;
      }
    });
    this.#sock = socket;
    return socket;
  }

  /** Options set before the socket was bound, now that it is. */
  #applyOptions(): void {
    if (this.#broadcast && this.#sock !== null) this.#sock.setBroadcast(true);
  }

  #onMessage(data: Buffer, info: { address: string; port: number; family: string }): void {
    const datagram: Datagram = {
      data,
      address: {
        host: info.address,
        port: info.port,
        family: info.family === 'IPv6' ? 'AF_INET6' : 'AF_INET',
      },
    };
    const reader = this.#reader;
    if (reader !== null) {
      this.#reader = null;
      reader.waiter.resolve(truncate(datagram, reader.size));
    } else if (this.#queue.length < this.#queueLimit) {
      this.#queue.push(datagram);
    } else {
      this.#dropped++;
    }
  }

  #receive(
    size: number,
    options: WaitOptions | undefined,
    call: 'recv' | 'recvFrom',
  ): Promise<Datagram> {
    if (!(Number.isInteger(size) && size >= 1)) {
      return Promise.reject(
        new RangeError(`Invalid byte count ${String(size)} for ${call}(): it must be at least 1`),
      );
    }
    if (this.#closed)
      return Promise.reject(new SocketClosedError(`${call}() on a closed UDP socket`));
    if (call === 'recv' && this.#remote === null) {
      return Promise.reject(
        new InvalidStateError(
          'recv() on an unconnected UDP socket: use recvFrom() or connect() first',
        ),
      );
    }
    if (this.#reader !== null) {
      return Promise.reject(
        new ConcurrentReadError(
          `${call}() was called while another receive is waiting; await each one first`,
        ),
      );
    }
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(truncate(queued, size));
    if (this.#error !== null) {
      const error = this.#error;
      this.#error = null;
      return Promise.reject(error);
    }
    if (!this.#bound) {
      return Promise.reject(
        new InvalidStateError(
          `${call}() on a UDP socket that is not bound: bind() it or send something first`,
        ),
      );
    }
    let timeout: number | null;
    try {
      timeout = timeoutFor(options, this.#timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const waiter = new Waiter<Datagram>(timeout, options?.signal, {
      call: `${call}(${size})`,
      target: this.localAddress
        ? ` on ${this.localAddress.host} port ${this.localAddress.port}`
        : '',
      detach: () => {
        this.#reader = null;
      },
      ...this.#peer(),
    });
    if (!waiter.settled) this.#reader = { size, waiter };
    return waiter.promise;
  }

  #send(buf: Buffer, to: { host: string; port: number } | null, syscall: string): Promise<number> {
    const sock = this.#socket();
    return new Promise((resolve, reject) => {
      const done = (error: Error | null) => {
        if (error) reject(fromNodeError(error, { syscall, ...(to ?? this.#peer()) }));
        else {
          this.#bound = true;
          resolve(buf.length);
        }
      };
      try {
        if (to === null) sock.send(buf, done);
        else sock.send(buf, to.port, to.host, done);
      } catch (error) {
        reject(fromNodeError(error, { syscall, ...(to ?? this.#peer()) }));
      }
    });
  }

  #checkSize(buf: Buffer, call: string): void {
    const max = this.#family === 6 ? MAX_DATAGRAM_IPV6 : MAX_DATAGRAM_IPV4;
    if (buf.length > max) {
      throw new RangeError(
        `${call} cannot send a datagram of ${buf.length} bytes: UDP over ${this.#family === 6 ? 'IPv6' : 'IPv4'} carries at most ${max.toLocaleString('en-US')} bytes`,
      );
    }
  }

  #assertOpen(call: string): void {
    if (this.#closed) throw new SocketClosedError(`${call} on a closed UDP socket`);
  }

  #peer(): { host?: string; port?: number } {
    return { host: this.#remote?.host, port: this.#remote?.port };
  }
}

function truncate(datagram: Datagram, size: number): Datagram {
  return datagram.data.length <= size
    ? datagram
    : { data: datagram.data.subarray(0, size), address: datagram.address };
}

/** The descriptor of a dgram socket, read without touching its deprecated `_handle` (DEP0112). */
function udpFd(socket: UdpSocket): number {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const handle = state
    ? (socket as unknown as Record<symbol, { handle?: { fd?: number } }>)[state]?.handle
    : undefined;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}

/** A port to send to: 1–65535 (0 can be bound, never sent to), or a service name. */
function destinationPort(port: number | string, call: string): number {
  const value = resolvePort(port, 'udp');
  if (value === 0)
    throw new RangeError(`Invalid port 0 for ${call}: datagrams go to a port from 1 to 65535`);
  return value;
}
