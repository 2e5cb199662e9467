/**
 * socketkit: socket programming for TypeScript, done properly.
 *
 * A Berkeley-style, promise-based socket API on Node.js. Reads survive
 * timeouts, errors say what went wrong, and memory stays bounded whatever
 * the peer sends. Python's `socket` module maps one to one:
 *
 * | Python | socketkit |
 * |---|---|
 * | `socket.create_connection((host, port))` | `await connect(host, port)` |
 * | `s.recv(n)` / `s.sendall(b)` | `await s.recv(n)` / `await s.sendAll(b)` |
 * | `bind; listen; accept` | `const server = await listen({ port }); await server.accept()` |
 * | `socket(AF_INET, SOCK_DGRAM)` | `await udp()` |
 *
 * @example An echo client
 * ```ts
 * import { connect, encode, decode } from 'socketkit';
 * await using sock = await connect('127.0.0.1', 7);
 * await sock.sendAll(encode('hello there'));
 * console.log(decode(await sock.recv(4096))); // hello there
 * ```
 *
 * @module
 */

export type { Address, AddressFamily, SocketAddress, UnixAddress } from './core/address.js';
export type { Bytes } from './core/bytes.js';
export { bytesRepr, decode, encode } from './core/bytes.js';
export type {
  AnySockitError,
  ErrorContext,
  SocketErrorCode,
  SocketErrorOptions,
  SockitErrorByCode,
  SockitErrorCode,
  SockitErrorOptions,
  TlsFailure,
} from './core/errors.js';
export {
  AddressInUseError,
  BrokenPipeError,
  ConcurrentReadError,
  ConnectionRefusedError,
  ConnectionResetError,
  ContentDecodingError,
  CorruptedFrameError,
  EmptyReplyError,
  FrameTooLongError,
  HostUnreachableError,
  HttpParseError,
  IncompleteReadError,
  InvalidStateError,
  isSockitError,
  LimitOverrunError,
  NameResolutionError,
  PermissionDeniedError,
  ProxyError,
  ServiceNotFoundError,
  SocketAbortError,
  SocketClosedError,
  SocketError,
  SocketTimeoutError,
  SockitError,
  TlsError,
  TooManyRedirectsError,
} from './core/errors.js';
export type { RecvUntilOptions } from './core/receive-buffer.js';
export { DEFAULT_BUFFER_LIMIT } from './core/receive-buffer.js';
export type { Protocol, ServiceEntry } from './core/service-table.js';
export type { WaitOptions } from './core/waiter.js';
export type { AddrInfo, AddrInfoOptions, HostEntry } from './names/hosts.js';
export { getAddrInfo, getHostByName, getHostByNameEx, getHostName } from './names/hosts.js';
export { getServByName, getServByPort } from './names/services.js';
export type { ConnectOptions, UnixConnectOptions } from './socket/connect.js';
export { connect } from './socket/connect.js';
export type { Datagram, UdpOptions } from './socket/datagram-socket.js';
export {
  DatagramSocket,
  MAX_DATAGRAM_IPV4,
  MAX_DATAGRAM_IPV6,
  udp,
} from './socket/datagram-socket.js';
export type { ListenOptions, UnixListenOptions } from './socket/server-socket.js';
export { listen, ServerSocket } from './socket/server-socket.js';
export type {
  ConnectAttempt,
  ConnectTimings,
  ShutdownHow,
  StartTlsOptions,
  StreamSocketOptions,
} from './socket/stream-socket.js';
export { StreamSocket } from './socket/stream-socket.js';
export type { TcpSocketOptions } from './socket/tcp-options.js';
export type {
  PeerCertificate,
  TlsCipher,
  TlsConnectOptions,
  TlsListenOptions,
  TlsVersion,
} from './socket/tls.js';
