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
 * callback instead. Sockets share one read buffer (reads happen one at a
 * time on the event loop, and the callback copies the bytes out before
 * returning), so idle connections cost no buffer memory. A socket in a bulk
 * transfer (a read of 32 KiB or more) reads into buffers of its own, handed
 * over without a copy, within a budget of 128 such buffers in the process. `pause()` and
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

/** The one buffer every direct read lands in before being copied out, unless it is large (below). */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * A read at least this long is a bulk transfer. The socket's next read then goes to a buffer
 * of its own, which is handed over whole (no copy) when that read is large too: copying
 * 64 KiB reads out of the shared buffer was about a sixth of an echo server's CPU at 100 KiB
 * messages. Half the buffer, so a chunk handed over keeps at most twice its bytes alive.
 */
const LARGE_READ = 32 * 1024;
/** Own buffers allocated for the next read and not yet read into, over all sockets. */
const PRIVATE_BUFFER_BUDGET = 128; // 8 MiB, however many connections sit idle after a bulk read
let privateBuffers = 0;
/**
 * The size of a socket's own read buffer: a little under 64 KiB. Measured on the 100 KiB echo
 * (five interleaved rounds), 65,000 bytes beat exactly 64 KiB in every round, with fewer page faults:
 * glibc consolidates and trims its heap when a block of 64 KiB or more is freed.
 */
const PRIVATE_BUFFER_SIZE = 63 * 1024;

/**
 * Receives each read. With `owned` false, `buffer` is shared and reused by the next read on
 * any socket: the sink must copy `buffer[0, length)` out before returning. With `owned` true,
 * `buffer` is exactly the bytes read and the sink may keep it.
 */
export type DirectSink = (buffer: Buffer, length: number, owned: boolean) => void;

/** Marks a socket whose reads arrive through a {@link DirectRead}. */
const DIRECT_READ = Symbol('socketkit.directRead');

/** Receives the reads of one socket; `StreamSocket` attaches its feed here. */
class DirectRead {
  #sink: DirectSink | null = null;
  #early: Buffer[] = [];
  /** Where the next read lands: the shared buffer, or one of this socket's own. */
  #next: Buffer = SHARED_READ_BUFFER;

  /** The `onread` option for the socket's constructor: Node asks for the buffer before each read. */
  readonly onread = {
    buffer: (): Buffer => this.#next,
    callback: (length: number, buffer: Buffer): boolean => {
      if (buffer === SHARED_READ_BUFFER) {
        this.#deliver(buffer, length, false);
        if (length >= LARGE_READ && privateBuffers < PRIVATE_BUFFER_BUDGET) {
          privateBuffers++;
          this.#next = Buffer.allocUnsafeSlow(PRIVATE_BUFFER_SIZE);
        }
        return true;
      }
      // This socket's own buffer: nothing else reads into it, so a large read is handed over as
      // it is and the next read gets a fresh buffer; after a small one, back to the shared one.
      if (length >= LARGE_READ) {
        this.#deliver(buffer.subarray(0, length), length, true);
        this.#next = Buffer.allocUnsafeSlow(PRIVATE_BUFFER_SIZE);
      } else {
        this.#deliver(buffer, length, false);
        this.release();
      }
      return true;
    },
  };

  #deliver(buffer: Buffer, length: number, owned: boolean): void {
    if (this.#sink !== null) this.#sink(buffer, length, owned);
    else this.#early.push(owned ? buffer : Buffer.from(buffer.subarray(0, length)));
  }

  /** Gives an own buffer back to the budget (on a small read, and when the socket closes). */
  release(): void {
    if (this.#next === SHARED_READ_BUFFER) return;
    this.#next = SHARED_READ_BUFFER;
    privateBuffers--;
  }

  /** Connects the feed; reads that arrived before it are delivered first. */
  attach(sink: DirectSink): void {
    this.#sink = sink;
    const early = this.#early;
    this.#early = [];
    for (const chunk of early) sink(chunk, chunk.length, true);
  }
}

/** How many own read buffers are held now (for tests of the budget). */
export function privateReadBuffers(): number {
  return privateBuffers;
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
  socket.once('close', () => direct.release());
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
  adopted.once('close', () => direct.release());
  // The accepted wrapper will never close now; keep the server's own count honest.
  const counted = server as unknown as { _connections?: number };
  if (typeof counted._connections === 'number' && counted._connections > 0) counted._connections--;
  return adopted;
}
