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
 * Broadcast and multicast are Python's `setsockopt` options as methods: `setBroadcast()`,
 * `setTTL()`, `setMulticastTTL()`, `setMulticastLoopback()`, `setMulticastInterface()`, and
 * `addMembership()` / `dropMembership()` for `IP_ADD_MEMBERSHIP` / `IP_DROP_MEMBERSHIP`.
 *
 * @module
 */

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { inspect } from 'node:util';
import {
  type AddressFamily,
  formatAddressTuple,
  type SocketAddress,
  toSocketAddress,
  validateHost,
  validateTimeout,
} from '../core/address.js';
import { asBuffer, type Bytes, describeType } from '../core/bytes.js';
import {
  ConcurrentReadError,
  fromNodeError,
  InvalidStateError,
  NameResolutionError,
  SocketClosedError,
  SocketError,
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
  // Sending options, kept until the socket is bound (Node sets them only on a bound socket).
  #broadcast = false;
  #ttl: number | null = null;
  #multicastTTL: number | null = null;
  #multicastLoopback: boolean | null = null;
  #multicastInterface: string | null = null;
  /** Why a kept option could not be applied when the socket bound, for bind() or connect() to report. */
  #optionError: Error | null = null;

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
   * @throws {SocketError} an option set before binding (such as {@link setMulticastInterface})
   *   could not be applied; the socket is bound, without it.
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
        const failed = this.#takeOptionError();
        if (failed) reject(failed);
        else resolve();
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
        const failed = this.#takeOptionError();
        if (failed) reject(failed);
        else resolve();
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
   * Allows sending to broadcast addresses (Python's `setsockopt(SOL_SOCKET, SO_BROADCAST, 1)`);
   * without it, a datagram to one is refused with `PermissionDeniedError`.
   *
   * Like the other sending options ({@link setTTL}, {@link setMulticastTTL},
   * {@link setMulticastLoopback}, {@link setMulticastInterface}), it may be set before the socket
   * is bound, as Python's `setsockopt` may: the setting is kept and applied the moment the socket
   * binds, whether by `bind()`, `connect()` or its first send, before anything is sent. Setting it
   * never binds the socket by itself (Node can set these only on a bound socket).
   *
   * @param on `true` (the default) to allow broadcasts, `false` to refuse them again.
   * @throws {TypeError} `on` is not a boolean.
   * @throws {SocketClosedError} the socket is closed.
   *
   * @example Broadcasting on the loopback network
   * ```ts
   * import { decode, encode, udp } from 'socketkit';
   * // 127.255.255.255 is the broadcast address of lo, so nothing leaves the machine.
   * await using listener = await udp({ bind: { host: '127.255.255.255', port: 0 } });
   * await using sender = await udp();
   * sender.setBroadcast(true);
   * await sender.sendTo(encode('anyone there?'), '127.255.255.255', listener.localAddress!.port);
   * const { data } = await listener.recvFrom(1024, { timeout: 2000 });
   * console.log(decode(data)); // anyone there?
   * ```
   */
  setBroadcast(on = true): void {
    this.#assertOpen('setBroadcast()');
    this.#broadcast = flag(on, 'setBroadcast()');
    if (this.#bound) this.#apply('setBroadcast');
  }

  /**
   * Sets the time-to-live of the datagrams this socket sends to unicast addresses: how many
   * routers they may cross (Python's `setsockopt(IPPROTO_IP, IP_TTL, ttl)`, or
   * `IPV6_UNICAST_HOPS` on an IPv6 socket). The OS default is usually 64. Before the socket is
   * bound the value is kept and applied when it binds, as {@link setBroadcast} says.
   *
   * @param ttl An integer from 1 to 255 (the OS refuses 0 for unicast).
   * @throws {TypeError} `ttl` is not an integer.
   * @throws {RangeError} `ttl` is outside 1–255.
   * @throws {SocketClosedError} the socket is closed.
   *
   * @example Datagrams that may cross one router at most
   * ```ts
   * import { decode, encode, udp } from 'socketkit';
   * await using sock = await udp();
   * sock.setTTL(1);
   * await sock.connect('127.0.0.1', 7); // echo (RFC 862)
   * await sock.send(encode('not far'));
   * console.log(decode(await sock.recv(1024, { timeout: 2000 }))); // not far
   * ```
   */
  setTTL(ttl: number): void {
    this.#assertOpen('setTTL()');
    this.#ttl = hopCount(ttl, 1, 'setTTL()');
    if (this.#bound) this.#apply('setTTL');
  }

  /**
   * Sets how far the datagrams this socket sends to multicast groups may travel (Python's
   * `setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, ttl)`, or `IPV6_MULTICAST_HOPS`): 0 keeps them on
   * this machine, 1 (the OS default) on the local network. Before the socket is bound the value is
   * kept and applied when it binds, as {@link setBroadcast} says.
   *
   * @param ttl An integer from 0 to 255.
   * @throws {TypeError} `ttl` is not an integer.
   * @throws {RangeError} `ttl` is outside 0–255.
   * @throws {SocketClosedError} the socket is closed.
   *
   * @example A sender whose group datagrams never leave the machine
   * ```ts
   * import { udp } from 'socketkit';
   * await using sender = await udp();
   * sender.setMulticastTTL(0); // no router, not even the first, forwards them
   * sender.setMulticastInterface('127.0.0.1'); // and they go out through lo
   * ```
   */
  setMulticastTTL(ttl: number): void {
    this.#assertOpen('setMulticastTTL()');
    this.#multicastTTL = hopCount(ttl, 0, 'setMulticastTTL()');
    if (this.#bound) this.#apply('setMulticastTTL');
  }

  /**
   * Whether this machine's own members of a group also get the datagrams this socket sends to it
   * (Python's `setsockopt(IPPROTO_IP, IP_MULTICAST_LOOP, 1)`, or `IPV6_MULTICAST_LOOP`); on by
   * default in the OS. On the loopback interface every datagram comes back whatever this says,
   * since lo delivers everything it sends. Before the socket is bound the value is kept and
   * applied when it binds, as {@link setBroadcast} says.
   *
   * @param on `true` (the default) to loop group datagrams back to this machine, `false` not to.
   * @throws {TypeError} `on` is not a boolean.
   * @throws {SocketClosedError} the socket is closed.
   *
   * @example A sender whose own machine does not hear it
   * ```ts
   * import { udp } from 'socketkit';
   * await using sender = await udp({ family: 4 });
   * sender.setMulticastLoopback(false); // members on this machine miss its group datagrams (not on lo)
   * sender.setMulticastTTL(1); // which stay on the local network
   * ```
   */
  setMulticastLoopback(on = true): void {
    this.#assertOpen('setMulticastLoopback()');
    this.#multicastLoopback = flag(on, 'setMulticastLoopback()');
    if (this.#bound) this.#apply('setMulticastLoopback');
  }

  /**
   * Chooses the interface that datagrams to multicast groups go out of (Python's
   * `setsockopt(IPPROTO_IP, IP_MULTICAST_IF, inet_aton(address))`); without it the OS picks one
   * from its routing table, usually the one of the default route. On an IPv4 socket give the
   * interface's IPv4 address (`'127.0.0.1'` for loopback, `'0.0.0.0'` to let the OS choose
   * again); on an IPv6 one name the interface in the scope, as `'::%lo'` (by number, `'::%2'`, on
   * Windows), Node's form of `IPV6_MULTICAST_IF`. Before the socket is bound the choice is kept and
   * applied when it binds, as {@link setBroadcast} says; an address of the other family fixes an
   * unbound socket's family.
   *
   * @param interfaceAddress The interface's IPv4 address, or `::%name` on an IPv6 socket.
   * @throws {TypeError} it is not an address of the right form.
   * @throws {TypeError} it is of the other family than the socket.
   * @throws {SocketError} no interface of this machine has that address or name.
   * @throws {SocketClosedError} the socket is closed.
   *
   * @example Sending to groups through loopback only
   * ```ts
   * import { udp } from 'socketkit';
   * await using sender = await udp();
   * sender.setMulticastInterface('127.0.0.1');
   * console.log(sender.family); // AF_INET
   * ```
   */
  setMulticastInterface(interfaceAddress: string): void {
    this.#assertOpen('setMulticastInterface()');
    const call = 'setMulticastInterface()';
    const family = interfaceFamily(interfaceAddress, call);
    if (this.#family !== null && family !== this.#family)
      throw wrongFamily(
        'interface',
        interfaceAddress,
        family,
        this.#family,
        'setMulticastInterface',
      );
    if (family === 4) {
      if (!this.#bound && !isLocalIPv4(interfaceAddress))
        throw noSuchInterface(interfaceAddress, call, 'send from it', 'EADDRNOTAVAIL');
    } else if (interfaceAddress !== '::') {
      checkScope(interfaceAddress, call);
    }
    this.#family ??= family;
    this.#multicastInterface = interfaceAddress;
    if (this.#bound) this.#apply('setMulticastInterface');
  }

  /**
   * Joins a multicast group (Python's `setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq)`, or
   * `IPV6_JOIN_GROUP`): the socket then also receives the datagrams sent to `group` on its port,
   * on that interface. The socket must be bound first, to the port the group's datagrams go to and
   * on `'0.0.0.0'` (or, on Linux, the group address itself, which keeps other datagrams out): one
   * bound to a unicast address such as 127.0.0.1 joins, but hears only what is sent to that
   * address. Joining does not bind implicitly, since a socket on a port the OS picked would never
   * hear the group.
   *
   * Without `interfaceAddress` the OS joins on the interface its routing table gives for the group
   * (usually the default route's) and announces the membership there (IGMP or MLD); pass
   * `'127.0.0.1'` to stay on this machine. On Linux, a socket bound to `'0.0.0.0'` also hears groups
   * that other sockets of the machine joined on that port (`IP_MULTICAST_ALL`).
   *
   * @param group The group's numeric address: IPv4 224.0.0.0/4 or IPv6 ff00::/8, of the socket's
   *   family. Names are not looked up.
   * @param interfaceAddress The local interface to join on: its IPv4 address, or `::%name` on an
   *   IPv6 socket. Default: the one the OS picks.
   * @throws {TypeError} `group` or `interfaceAddress` is not an address of the right form.
   * @throws {RangeError} `group` is not a multicast address.
   * @throws {TypeError} `group` or `interfaceAddress` is of the other family.
   * @throws {InvalidStateError} the socket is not bound yet, or is already a member of the group
   *   on that interface.
   * @throws {SocketError} no interface has that address, or the OS allows no more memberships.
   * @throws {SocketClosedError} the socket is closed.
   *
   * @example Joining a group on loopback
   * ```ts
   * import { udp } from 'socketkit';
   * // Bound on the port the group's datagrams go to: 0.0.0.0, or the group address on Linux.
   * await using receiver = await udp({ bind: { host: '0.0.0.0', port: 0 } });
   * receiver.addMembership('239.255.10.1', '127.0.0.1');
   * // receiver.recvFrom() now also gets what is sent to 239.255.10.1 on its port through lo.
   * receiver.dropMembership('239.255.10.1', '127.0.0.1');
   * ```
   */
  addMembership(group: string, interfaceAddress?: string): void {
    this.#membership('addMembership', group, interfaceAddress);
  }

  /**
   * Leaves a multicast group joined with {@link addMembership} (Python's
   * `setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, mreq)`, or `IPV6_LEAVE_GROUP`), with the same
   * group and interface. Its datagrams stop coming, unless another socket of this machine is
   * still a member on that interface and this one is bound to the group's port (see
   * {@link addMembership}). Closing the socket leaves every group it joined.
   *
   * @param group The group's numeric address, as given to `addMembership()`.
   * @param interfaceAddress The interface it was joined on, as given to `addMembership()`.
   * @throws {TypeError} `group` or `interfaceAddress` is not an address of the right form.
   * @throws {RangeError} `group` is not a multicast address.
   * @throws {TypeError} `group` or `interfaceAddress` is of the other family.
   * @throws {InvalidStateError} the socket is not bound, or is not a member of the group there.
   * @throws {SocketError} no interface has that address.
   * @throws {SocketClosedError} the socket is closed.
   *
   * @example Leaving a group twice
   * ```ts
   * import { InvalidStateError, udp } from 'socketkit';
   * await using receiver = await udp({ bind: { host: '0.0.0.0', port: 0 } });
   * receiver.addMembership('239.255.10.2', '127.0.0.1');
   * receiver.dropMembership('239.255.10.2', '127.0.0.1');
   * try {
   *   receiver.dropMembership('239.255.10.2', '127.0.0.1');
   * } catch (error) {
   *   if (error instanceof InvalidStateError) console.log(error.message); // dropMembership('239.255.10.2', '127.0.0.1'): this socket is not a member of group 239.255.10.2 on interface 127.0.0.1
   * }
   * ```
   */
  dropMembership(group: string, interfaceAddress?: string): void {
    this.#membership('dropMembership', group, interfaceAddress);
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
    // Before any bind callback and any send Node queued until the socket was bound.
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

  /** Options set before the socket was bound, now that it is; a failure is kept for bind() or connect(). */
  #applyOptions(): void {
    const kept: SendOption[] = [];
    if (this.#broadcast) kept.push('setBroadcast');
    if (this.#ttl !== null) kept.push('setTTL');
    if (this.#multicastTTL !== null) kept.push('setMulticastTTL');
    if (this.#multicastLoopback !== null) kept.push('setMulticastLoopback');
    if (this.#multicastInterface !== null) kept.push('setMulticastInterface');
    for (const option of kept) {
      try {
        this.#apply(option);
      } catch (error) {
        this.#optionError ??= error as Error;
      }
    }
  }

  /** The failure of a kept option, once: bind() and connect() reject with it. */
  #takeOptionError(): Error | null {
    const error = this.#optionError;
    this.#optionError = null;
    return error;
  }

  /** Sets one sending option on the bound Node socket; Node's errors become sentences. */
  #apply(option: SendOption): void {
    const sock = this.#sock!;
    let value: string;
    try {
      switch (option) {
        case 'setBroadcast':
          value = String(this.#broadcast);
          sock.setBroadcast(this.#broadcast);
          break;
        case 'setTTL':
          value = String(this.#ttl);
          sock.setTTL(this.#ttl!);
          break;
        case 'setMulticastTTL':
          value = String(this.#multicastTTL);
          sock.setMulticastTTL(this.#multicastTTL!);
          break;
        case 'setMulticastLoopback':
          value = String(this.#multicastLoopback);
          sock.setMulticastLoopback(this.#multicastLoopback!);
          break;
        case 'setMulticastInterface':
          value = `'${this.#multicastInterface}'`;
          sock.setMulticastInterface(this.#multicastInterface!);
          break;
      }
    } catch (error) {
      const code = errnoName(error);
      if (option === 'setMulticastInterface' && code === 'EADDRNOTAVAIL')
        throw noSuchInterface(
          this.#multicastInterface!,
          `${option}()`,
          'send from it',
          code,
          error,
        );
      throw new SocketError(
        `${option}(${value!}) failed: ${reason(code)}${code ? ` (${code})` : ''}`,
        { syscall: option, errnoName: code, cause: error },
      );
    }
  }

  /** addMembership() and dropMembership(): checks, then the OS call, its errors as sentences. */
  #membership(
    call: 'addMembership' | 'dropMembership',
    group: string,
    interfaceAddress: string | undefined,
  ): void {
    this.#assertOpen(`${call}()`);
    const shown = `${call}('${String(group)}'${interfaceAddress === undefined ? '' : `, '${String(interfaceAddress)}'`})`;
    const groupFamily = multicastGroup(group, `${call}()`);
    const ifaceFamily =
      interfaceAddress === undefined ? null : interfaceFamily(interfaceAddress, `${call}()`);
    if (!this.#bound || this.#sock === null) {
      throw new InvalidStateError(
        `${call}() on a UDP socket that is not bound: bind() it first, to the port the group's datagrams go to (on '0.0.0.0', or the group address)`,
        { syscall: call, host: group },
      );
    }
    const family = this.#family === 6 ? 6 : 4;
    if (groupFamily !== family)
      throw wrongFamily('multicast group', group, groupFamily, family, call);
    if (interfaceAddress !== undefined && ifaceFamily !== family)
      throw wrongFamily('interface', interfaceAddress, ifaceFamily!, family, call);
    if (interfaceAddress !== undefined && family === 6) checkScope(interfaceAddress, `${call}()`);
    try {
      if (call === 'addMembership') this.#sock.addMembership(group, interfaceAddress);
      else this.#sock.dropMembership(group, interfaceAddress);
    } catch (error) {
      const code = errnoName(error);
      const where =
        interfaceAddress === undefined
          ? 'the interface the OS picks'
          : `interface ${interfaceAddress}`;
      const options = { syscall: call, host: group, errnoName: code, cause: error };
      if (call === 'addMembership' && code === 'EADDRINUSE')
        throw new InvalidStateError(
          `${shown}: this socket is already a member of group ${group} on ${where}`,
          { syscall: call, host: group, cause: error },
        );
      if (call === 'dropMembership' && code === 'EADDRNOTAVAIL')
        throw new InvalidStateError(
          `${shown}: this socket is not a member of group ${group} on ${where}`,
          { syscall: call, host: group, cause: error },
        );
      if (interfaceAddress !== undefined && (code === 'ENODEV' || code === 'EADDRNOTAVAIL'))
        throw noSuchInterface(
          interfaceAddress,
          `${call}()`,
          `${call === 'addMembership' ? 'join' : 'leave'} ${group} there`,
          code,
          error,
        );
      if (code === 'ENOBUFS')
        throw new SocketError(
          `${shown}: this socket already has as many group memberships as the OS allows (ENOBUFS)`,
          options,
        );
      if (code === 'ENODEV')
        throw new SocketError(
          `${shown}: no interface can reach group ${group} (no route for it); name one with its address (ENODEV)`,
          options,
        );
      throw new SocketError(`${shown} failed: ${reason(code)}${code ? ` (${code})` : ''}`, options);
    }
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
        const failed = this.#takeOptionError();
        if (error) reject(fromNodeError(error, { syscall, ...(to ?? this.#peer()) }));
        else if (failed) reject(failed);
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

/** The sending options, by the name of their setter. */
type SendOption =
  | 'setBroadcast'
  | 'setTTL'
  | 'setMulticastTTL'
  | 'setMulticastLoopback'
  | 'setMulticastInterface';

/** What the OS's error names mean, for the setters' and memberships' messages. */
const REASONS: Record<string, string> = {
  EINVAL: 'Invalid argument',
  ENODEV: 'No such device',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  ENOBUFS: 'No buffer space available',
  ENOPROTOOPT: 'Protocol not available',
  EBADF: 'Bad file descriptor',
  EPERM: 'Operation not permitted',
};

function errnoName(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The OS's reason, never Node's own message. */
function reason(code: string | undefined): string {
  return (code && REASONS[code]) ?? 'the OS refused it';
}

/** A value as messages show it: `undefined` alone, else as {@link describeType} says. */
function shownType(value: unknown): string {
  return value === undefined ? 'undefined' : describeType(value);
}

function flag(on: unknown, call: string): boolean {
  if (typeof on !== 'boolean')
    throw new TypeError(`Invalid flag ${shownType(on)} for ${call}: it must be true or false`);
  return on;
}

/** A TTL or hop limit: an integer from `low` to 255. */
function hopCount(ttl: unknown, low: 0 | 1, call: string): number {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl))
    throw new TypeError(
      `Invalid TTL ${shownType(ttl)} for ${call}: it must be an integer from ${low} to 255`,
    );
  if (ttl < low || ttl > 255)
    throw new RangeError(`Invalid TTL ${ttl} for ${call}: it must be from ${low} to 255`);
  return ttl;
}

/** The family of a multicast group address; anything else is a TypeError or RangeError. */
function multicastGroup(group: unknown, call: string): 4 | 6 {
  if (typeof group !== 'string')
    throw new TypeError(
      `Invalid multicast group ${shownType(group)} for ${call}: it must be an IPv4 or IPv6 address`,
    );
  if (group.includes('%'))
    throw new TypeError(
      `Invalid multicast group ${JSON.stringify(group)} for ${call}: give the interface as the second argument, not as a %zone of the group`,
    );
  const family = isIP(group);
  if (family === 0)
    throw new TypeError(
      `Invalid multicast group ${JSON.stringify(group)} for ${call}: it must be a numeric IPv4 or IPv6 address, such as 239.1.2.3 or ff02::1 (names are not looked up)`,
    );
  const multicast =
    family === 4
      ? Number(group.split('.')[0]) >= 224 && Number(group.split('.')[0]) <= 239
      : /^ff[0-9a-f]{2}$/i.test(group.split(':')[0]!);
  if (!multicast)
    throw new RangeError(
      `Invalid multicast group ${group} for ${call}: it is not a multicast address (IPv4 224.0.0.0/4, IPv6 ff00::/8)`,
    );
  return family as 4 | 6;
}

/** The family of an interface argument: an IPv4 address, or an IPv6 one (with its %scope). */
function interfaceFamily(address: unknown, call: string): 4 | 6 {
  const family = typeof address === 'string' ? isIP(address) : 0;
  if (family === 0)
    throw new TypeError(
      `Invalid interface ${typeof address === 'string' ? JSON.stringify(address) : shownType(address)} for ${call}: give the interface's IPv4 address, such as '127.0.0.1', or on an IPv6 socket its name as a scope, such as '::%lo'`,
    );
  return family as 4 | 6;
}

/**
 * An IPv6 interface argument must name the interface in its scope: Node reads only that, and takes
 * a name it does not know (or, except on Windows, a number) as "any interface" without a word.
 */
function checkScope(address: string, call: string): void {
  const at = address.indexOf('%');
  const scope = at < 0 ? '' : address.slice(at + 1);
  const example = process.platform === 'win32' ? `'::%2'` : `'::%lo'`;
  if (scope === '')
    throw new TypeError(
      `Invalid interface ${JSON.stringify(address)} for ${call} on an IPv6 socket: name the interface by its scope, such as ${example}`,
    );
  const known =
    process.platform === 'win32' ? /^\d+$/.test(scope) : Object.hasOwn(networkInterfaces(), scope);
  if (!known)
    throw new SocketError(
      `No interface named "${scope}" on this machine, for ${call} with ${JSON.stringify(address)}: give one of ${Object.keys(networkInterfaces()).join(', ')} (ENODEV)`,
      { syscall: call.slice(0, -2), errnoName: 'ENODEV' },
    );
}

/** Is `address` one that IP_MULTICAST_IF takes: 0.0.0.0 (the OS's choice), 127.0.0.0/8, or an interface's? */
function isLocalIPv4(address: string): boolean {
  if (address === '0.0.0.0' || address.startsWith('127.')) return true;
  return Object.values(networkInterfaces()).some((list) =>
    (list ?? []).some((entry) => entry.family === 'IPv4' && entry.address === address),
  );
}

function noSuchInterface(
  address: string,
  call: string,
  what: string,
  code: string | undefined,
  cause?: unknown,
): SocketError {
  return new SocketError(
    `No interface of this machine has address ${address}, so ${call} cannot ${what}${code ? ` (${code})` : ''}`,
    { syscall: call.slice(0, -2), host: address, errnoName: code, cause },
  );
}

function wrongFamily(
  what: string,
  address: string,
  family: 4 | 6,
  socketFamily: 4 | 6,
  call: string,
): TypeError {
  // An address given as an argument, not a name looked up: misuse, a TypeError (exit 2), not a
  // failed lookup.
  return new TypeError(
    `Invalid ${what} ${address} for ${call}(): it is IPv${family}, but this UDP socket is IPv${socketFamily} (AF_INET${socketFamily === 6 ? '6' : ''})`,
  );
}
