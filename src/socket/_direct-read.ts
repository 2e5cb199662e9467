/**
 * Reading without Node's Readable stream machinery.
 *
 * A `net.Socket` normally delivers data through Readable: `push`, its
 * internal buffer, a `'data'` event and a `maybeReadMore` tick per read.
 * socketkit's pull API has its own buffer and needs none of that, and on a
 * ping-pong load that machinery is the difference between a pull loop at
 * about 0.9× of a plain `'data'` handler and one at par (see BENCHMARKS.md).
 *
 * Node's documented `onread` socket option hands each read straight to a
 * callback instead. All sockets share one read buffer (reads happen one at a
 * time on the event loop, and the callback copies the bytes out before
 * returning), so idle connections cost no buffer memory. `pause()` and
 * `resume()` keep working: in `onread` mode Node maps them to readStop /
 * readStart on the handle, so above the limit socketkit stops reading from the
 * kernel at once.
 *
 * Sockets socketkit creates for `connect()` get `onread` directly. Accepted
 * connections are created by `net.Server` without it, so the server pauses
 * them on connect and {@link adoptAccepted} moves the TCP handle into a
 * socket built with `onread`. That step relies on Node internals (`_handle`
 * and the constructor's `handle` option), so it is checked at run time and
 * falls back to the plain `'data'` path if anything is not as expected.
 *
 * @module
 */

import { type Server, Socket, type SocketConstructorOpts } from 'node:net';

/** The one buffer every direct read lands in before being copied out. */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Receives each read while the shared buffer holds it; must copy what it keeps before returning. */
export type DirectSink = (shared: Buffer, length: number) => void;

/** Marks a socket whose reads arrive through a {@link DirectRead}. */
const DIRECT_READ = Symbol('socketkit.directRead');

/** Receives the reads of one socket; `StreamSocket` attaches its feed here. */
class DirectRead {
  #sink: DirectSink | null = null;
  #early: Buffer[] = [];

  /** The `onread` option for the socket's constructor. */
  readonly onread = {
    buffer: SHARED_READ_BUFFER,
    callback: (length: number, buffer: Buffer): boolean => {
      // The shared buffer is reused by the next read, on any socket: the sink copies out now.
      if (this.#sink !== null) this.#sink(buffer, length);
      else this.#early.push(Buffer.from(buffer.subarray(0, length)));
      return true;
    },
  };

  /** Connects the feed; reads that arrived before it are delivered first. */
  attach(sink: DirectSink): void {
    this.#sink = sink;
    const early = this.#early;
    this.#early = [];
    for (const chunk of early) sink(chunk, chunk.length);
  }
}

/** The {@link DirectRead} of a socket created here, if it has one. */
export function directReadOf(socket: Socket): DirectRead | undefined {
  return (socket as Socket & { [DIRECT_READ]?: DirectRead })[DIRECT_READ];
}

/** A new, unconnected TCP socket whose reads bypass Readable. */
export function createDirectSocket(options: SocketConstructorOpts = {}): Socket {
  const direct = new DirectRead();
  const socket = new Socket({ ...options, onread: direct.onread } as SocketConstructorOpts);
  (socket as Socket & { [DIRECT_READ]?: DirectRead })[DIRECT_READ] = direct;
  return socket;
}

interface InternalSocket {
  _handle: {
    readStart?: unknown;
    readStop?: unknown;
    getpeername?: unknown;
    constructor?: { name?: string };
  } | null;
}

/**
 * Moves the handle of a connection accepted with `pauseOnConnect` into a
 * socket that reads through `onread`. Returns `null`, touching nothing, when
 * the handle is not the kind this works for; the caller then resumes the
 * accepted socket and reads it through `'data'` events.
 */
export function adoptAccepted(accepted: Socket, server: Server): Socket | null {
  const internal = accepted as unknown as InternalSocket;
  const handle = internal._handle;
  if (
    handle === null ||
    typeof handle !== 'object' ||
    typeof handle.readStart !== 'function' ||
    // A TCP handle (getpeername) or a Unix domain one (a Pipe: no peer name, reads the same way).
    (typeof handle.getpeername !== 'function' && handle.constructor?.name !== 'Pipe') ||
    accepted.destroyed ||
    !accepted.isPaused()
  ) {
    return null;
  }
  const direct = new DirectRead();
  let adopted: Socket;
  try {
    internal._handle = null;
    adopted = new Socket({
      handle,
      allowHalfOpen: true,
      onread: direct.onread,
    } as SocketConstructorOpts);
  } catch {
    internal._handle = handle;
    return null;
  }
  (adopted as Socket & { [DIRECT_READ]?: DirectRead })[DIRECT_READ] = direct;
  // The accepted wrapper will never close now; keep the server's own count honest.
  const counted = server as unknown as { _connections?: number };
  if (typeof counted._connections === 'number' && counted._connections > 0) counted._connections--;
  return adopted;
}
