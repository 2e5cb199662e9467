/**
 * TLS for stream sockets: the settings each side takes and their checks, the two handshakes
 * (on a new connection, or on an open plain one that `startTls()` upgrades), and what a peer's
 * certificate says, in plain fields.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import {
  type ConnectionOptions,
  createSecureContext,
  type DetailedPeerCertificate,
  type SecureContext,
  TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import { opensslReason } from '../core/errors.js';

/** A TLS protocol version, as OpenSSL names it. */
export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * TLS settings for the side that connects ({@link socketkit!connect}, `startTls()` on a socket
 * you connected); `tls: true` is all of them at their defaults: verify the server's certificate
 * against the system's CAs and its name, send SNI when the host is a name.
 */
export interface TlsConnectOptions {
  /** Name sent in SNI and checked against the certificate. Default: the host, when it is a name. */
  servername?: string;
  /** Trusted CA certificates (PEM) instead of the system's. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Skip certificate verification (curl's `-k`). Off by default; turn it on only for testing. */
  insecure?: boolean;
  /** ALPN protocols to offer, in order of preference, e.g. `['http/1.1']`. */
  alpnProtocols?: string[];
  /** A client certificate chain (PEM), for servers that ask for one; needs `key`. */
  cert?: string | Buffer;
  /** The client certificate's private key (PEM). */
  key?: string | Buffer;
  /** Key and certificate chain together, PKCS#12, instead of `cert` and `key`. */
  pfx?: Buffer;
  /** Unlocks an encrypted `key` or `pfx`. */
  passphrase?: string;
  /** The oldest TLS version to accept. Default `'TLSv1.2'` (Node's). */
  minVersion?: TlsVersion;
  /** The newest TLS version to offer. Default `'TLSv1.3'`. */
  maxVersion?: TlsVersion;
  /**
   * A session an earlier connection to the same server saved ({@link socketkit!StreamSocket.tlsSession}),
   * to resume it: an abbreviated handshake with no certificate sent or checked again (Python's
   * `SSLContext.wrap_socket(session=)`). A server that no longer knows it runs a full handshake.
   * It is offered only under the server name and TLS settings (`ca`, `cert`, `insecure`, …) it
   * was made with, in this process; otherwise the handshake is a full, verified one, because a
   * resumed session is not checked again. `null` is none, so `tlsSession()`'s answer can be
   * passed as it is.
   */
  session?: Buffer | null;
}

/**
 * TLS settings for the side that accepts ({@link socketkit!listen}, `startTls()` on an accepted
 * socket): the server's key and certificate chain (PEM) or a PKCS#12 `pfx`, ALPN, and whether
 * clients must show a certificate.
 */
export interface TlsListenOptions {
  /** The private key, PEM. */
  key?: string | Buffer;
  /** The certificate chain, PEM, the server's own certificate first. */
  cert?: string | Buffer;
  /** Key and certificate chain together, PKCS#12, instead of `key` and `cert`. */
  pfx?: Buffer;
  /** Unlocks an encrypted `key` or `pfx`. */
  passphrase?: string;
  /** ALPN protocols to accept, in the server's order of preference, e.g. `['http/1.1']`. */
  alpnProtocols?: string[];
  /**
   * Ask every client for a certificate, and refuse the handshake of one without a certificate
   * that `ca` trusts (Python's `CERT_REQUIRED` on a server context). Default `false`.
   */
  requestCert?: boolean;
  /** With `requestCert`: the CAs (PEM) that client certificates must chain to. Default: the system's. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** The oldest TLS version to accept. Default `'TLSv1.2'`. */
  minVersion?: TlsVersion;
  /** The newest TLS version to accept. Default `'TLSv1.3'`. */
  maxVersion?: TlsVersion;
}

/**
 * A certificate the peer showed, in the fields people look at (Python's `getpeercert()`,
 * openssl's `x509 -text`): names, validity, serial number and fingerprint, and the certificate
 * itself (DER and PEM).
 */
export interface PeerCertificate {
  /** The subject's name parts, e.g. `{ CN: 'localhost', O: 'Example' }` (repeated parts joined with `, `). */
  subject: Record<string, string>;
  /** The issuer's name parts; the same as `subject` for a self-signed certificate. */
  issuer: Record<string, string>;
  /** The alternative names as OpenSSL prints them: `['DNS:localhost', 'IP Address:127.0.0.1']`. */
  subjectAltName: string[];
  /** The serial number, hexadecimal, upper case. */
  serialNumber: string;
  /** Not valid before this moment. */
  validFrom: Date;
  /** Not valid after this moment. */
  validTo: Date;
  /** SHA-256 of the DER bytes, as colon-separated upper-case hex (what `openssl x509 -fingerprint -sha256` prints). */
  fingerprint256: string;
  /** The certificate, DER-encoded. */
  der: Uint8Array;
  /** The certificate, PEM-encoded. */
  pem: string;
}

/** The cipher a TLS connection uses. */
export interface TlsCipher {
  /** OpenSSL's name, e.g. `TLS_AES_256_GCM_SHA384` or `ECDHE-RSA-AES128-GCM-SHA256`. */
  name: string;
  /** The IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`. */
  standardName: string;
  /** The protocol version it belongs to, e.g. `TLSv1.3`. */
  version: string;
}

/** The side of a handshake: the one that connected is the client. */
type Side = 'client' | 'server';

type PemInput = string | Buffer | Array<string | Buffer> | undefined;

/** A type or value check of TLS settings, thrown before any socket is touched. */
export function checkTlsOptions(options: TlsConnectOptions & TlsListenOptions, side: Side): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new TypeError(`Invalid TLS options ${describe(options)}: expected an object`);
  checkPem(options.ca, 'ca', 'CERTIFICATE');
  checkPem(options.cert, 'cert', 'CERTIFICATE');
  checkPem(options.key, 'key', 'PRIVATE KEY');
  if (
    options.session !== undefined &&
    options.session !== null &&
    !Buffer.isBuffer(options.session)
  )
    throw new TypeError(
      `Invalid TLS session ${describe(options.session)}: expected the Buffer an earlier connection's tlsSession() returned`,
    );
  if (options.pfx !== undefined && !Buffer.isBuffer(options.pfx))
    throw new TypeError(
      `Invalid TLS pfx ${describe(options.pfx)}: expected the PKCS#12 bytes as a Buffer`,
    );
  for (const name of ['servername', 'passphrase'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'string')
      throw new TypeError(`Invalid TLS ${name} ${describe(value)}: expected a string`);
  }
  for (const name of ['insecure', 'requestCert'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean')
      throw new TypeError(`Invalid TLS ${name} ${describe(value)}: expected true or false`);
  }
  if ((options.cert === undefined) !== (options.key === undefined))
    throw new TypeError(
      `Invalid TLS options: ${options.cert === undefined ? 'key' : 'cert'} was given without ${options.cert === undefined ? 'cert' : 'key'}; they go together`,
    );
  if (side === 'server' && options.pfx === undefined && options.cert === undefined)
    throw new TypeError('Invalid TLS options: a TLS server needs its key and cert (PEM), or a pfx');
  const alpn = options.alpnProtocols;
  if (alpn !== undefined) {
    if (!Array.isArray(alpn) || alpn.length === 0)
      throw new TypeError(
        `Invalid alpnProtocols ${describe(alpn)}: expected a non-empty array of protocol names such as ['http/1.1']`,
      );
    for (const name of alpn) {
      if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) > 255)
        throw new TypeError(
          `Invalid ALPN protocol ${describe(name)}: each must be a string of 1 to 255 bytes`,
        );
    }
  }
  for (const name of ['minVersion', 'maxVersion'] as const) {
    const value = options[name];
    if (value !== undefined && !VERSIONS.includes(value))
      throw new TypeError(
        `Invalid TLS ${name} ${describe(value)}: use one of ${VERSIONS.join(', ')}`,
      );
  }
  const { minVersion, maxVersion } = options;
  if (
    minVersion !== undefined &&
    maxVersion !== undefined &&
    VERSIONS.indexOf(minVersion) > VERSIONS.indexOf(maxVersion)
  )
    throw new RangeError(
      `Invalid TLS versions: minVersion ${minVersion} is newer than maxVersion ${maxVersion}`,
    );
}

/** PEM is text with a `-----BEGIN …-----` line; anything else is refused here in one sentence, not by OpenSSL. */
function checkPem(value: PemInput, name: string, kind: string): void {
  if (value === undefined) return;
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if (typeof item !== 'string' && !Buffer.isBuffer(item))
      throw new TypeError(
        `Invalid TLS ${name} ${describe(item)}: expected PEM text (a string or Buffer)`,
      );
    const text = typeof item === 'string' ? item : item.toString('latin1');
    if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text))
      throw new TypeError(
        `Invalid TLS ${name}: it is not PEM (no "-----BEGIN ${kind}-----" line); convert DER with \`openssl x509 -inform der\``,
      );
  }
}

/** A value for an error message: short, and never the whole of a key. */
function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}

/** Secure contexts already made, by a digest of their settings (see {@link secureContext}). */
const CONTEXTS = new Map<string, SecureContext>();
/** The most contexts kept: a process talks with few distinct TLS settings. */
const MAX_CONTEXTS = 32;

/**
 * The secure context for settings already checked; OpenSSL's complaints about the key or
 * certificate (not PEM after all, a key that does not match, a wrong passphrase) become one
 * sentence. Making one parses the key, the certificates and every CA, which costs far more than
 * a handshake's own work, so contexts are kept by a digest of their settings and reused: a relay
 * terminating TLS, or a client connecting again and again with the same `ca`, makes one.
 */
function secureContext(options: TlsConnectOptions & TlsListenOptions): SecureContext {
  const hash = createHash('sha256');
  for (const part of [
    options.ca,
    options.cert,
    options.key,
    options.pfx,
    options.passphrase,
    options.minVersion,
    options.maxVersion,
  ]) {
    for (const item of Array.isArray(part) ? part : [part]) {
      // A length before each part, so that no two different settings hash alike.
      const bytes = item === undefined ? null : typeof item === 'string' ? Buffer.from(item) : item;
      hash.update(bytes === null ? '-;' : `${bytes.length}:`);
      if (bytes !== null) hash.update(bytes);
    }
    hash.update('|');
  }
  const key = hash.digest('hex');
  const known = CONTEXTS.get(key);
  if (known !== undefined) return known;
  let context: SecureContext;
  try {
    context = createSecureContext({
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      pfx: options.pfx,
      passphrase: options.passphrase,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
    });
  } catch (error) {
    const reason = opensslReason(error instanceof Error ? error.message : String(error));
    throw new TypeError(`Invalid TLS key or certificate: ${reason}`);
  }
  // A server that asks for client certificates must name its sessions (OpenSSL's session id
  // context), or resuming one fails the whole handshake; tls.Server does this for its own
  // context, startTls() on an accepted socket uses this one. Named after these settings.
  const native = (
    context as unknown as { context?: { setSessionIdContext?: (id: string) => void } }
  ).context;
  if (typeof native?.setSessionIdContext === 'function')
    native.setSessionIdContext.call(native, key.slice(0, 32));
  if (CONTEXTS.size >= MAX_CONTEXTS) CONTEXTS.delete(CONTEXTS.keys().next().value!);
  CONTEXTS.set(key, context);
  return context;
}

/**
 * Node's options for the client side of a handshake: SNI and host-name checks for `host`
 * unless `servername` says otherwise, verification unless `insecure`.
 */
export function clientTlsOptions(
  host: string,
  options: TlsConnectOptions,
): ConnectionOptions & { servername?: string } {
  // The name checked against the certificate; SNI carries it only when it is a name (RFC 6066 §3).
  const name = options.servername ?? host;
  const context = secureContext(options);
  const rejectUnauthorized = options.insecure !== true;
  // Node does not check a resumed session's certificate again, neither its name nor its CA: a
  // session is offered only under the name and settings it was made with, else a full handshake.
  const scope = options.session == null ? undefined : scopes.get(options.session);
  const session =
    scope !== undefined &&
    scope.name === name &&
    scope.context === context &&
    scope.rejectUnauthorized === rejectUnauthorized
      ? options.session!
      : undefined;
  return {
    servername: isIP(name) === 0 ? name : undefined,
    secureContext: context,
    rejectUnauthorized,
    ALPNProtocols: options.alpnProtocols,
    // Node checks the certificate against `host`.
    host: name,
    ...(session === undefined ? {} : { session }),
  };
}

/** Under what a saved session was made: the name checked, the CAs and keys, the checking. */
interface SessionScope {
  name: string;
  context: SecureContext;
  rejectUnauthorized: boolean;
}
const scopes = new WeakMap<Buffer, SessionScope>();

/** The latest session each client TLS socket was given (TLS 1.3 sends them after the handshake). */
const sessions = new WeakMap<TLSSocket, Buffer>();

/** The session `secure` can be resumed with later, or `null` when the server gave none. */
export function savedSession(secure: TLSSocket): Buffer | null {
  return sessions.get(secure) ?? null;
}

/**
 * Node's options for a TLS server: the key material itself (`tls.createServer` builds its own
 * context from it) and the secure context made from it (a server-side `TLSSocket` takes that),
 * which also proves, before any socket is touched, that OpenSSL accepts the key and certificate.
 */
export function serverTlsOptions(options: TlsListenOptions): {
  secureContext: SecureContext;
  key?: string | Buffer;
  cert?: string | Buffer;
  pfx?: Buffer;
  passphrase?: string;
  ca?: string | Buffer | Array<string | Buffer>;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  ALPNProtocols: string[] | undefined;
  requestCert: boolean;
  rejectUnauthorized: boolean;
} {
  const requestCert = options.requestCert === true;
  const { key, cert, pfx, passphrase, ca, minVersion, maxVersion } = options;
  return {
    secureContext: secureContext(options),
    ...{ key, cert, pfx, passphrase, ca, minVersion, maxVersion },
    ALPNProtocols: options.alpnProtocols,
    requestCert,
    rejectUnauthorized: requestCert,
  };
}

/**
 * Runs a handshake over `raw` (a connected plain socket, which the TLS socket takes over) as
 * `side`; resolves once it is done, rejects with Node's error (the caller words it) or the
 * signal's reason, destroying the TLS socket either way.
 */
export function handshake(
  raw: Socket,
  side: Side,
  settings: ReturnType<typeof clientTlsOptions> | ReturnType<typeof serverTlsOptions>,
  signal: AbortSignal,
): Promise<TLSSocket> {
  return new Promise((resolvePromise, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const secure =
      side === 'client'
        ? tlsConnect({ ...settings, socket: raw })
        : new TLSSocket(raw, { ...settings, isServer: true });
    // Listening from the start: a TLS 1.3 ticket can come in the same read as the handshake's end.
    if (side === 'client') {
      const {
        host,
        secureContext: context,
        rejectUnauthorized,
      } = settings as ReturnType<typeof clientTlsOptions>;
      secure.on('session', (session: Buffer) => {
        sessions.set(secure, session);
        scopes.set(session, {
          name: host ?? '',
          context: context as SecureContext,
          rejectUnauthorized: rejectUnauthorized !== false,
        });
      });
    }
    const fail = (error: unknown) => {
      cleanup();
      // Node may still report the failure as an 'error' (a client that saw the end first does):
      // it is already being reported here, and must not crash the process unheard.
      secure.on('error', () => {});
      secure.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal.reason);
    const onError = (error: Error) => fail(error);
    const onClose = () => fail(new Error('socket hang up'));
    // A peer that sends its FIN instead of a handshake: with allowHalfOpen Node would wait for
    // the rest of a handshake that cannot come, until the timeout.
    const onEnd = () =>
      fail(
        Object.assign(new Error('the peer closed the connection before it was done'), {
          code: 'ERR_TLS_PEER_CLOSED',
        }),
      );
    const done = () => {
      // A TLSSocket made by hand (startTls() on an accepted socket) is not checked by a
      // tls.Server: with requestCert, verify the client's chain here as tls.Server would, or
      // any certificate, from any CA, would be let in.
      if (side === 'server' && 'requestCert' in settings && settings.requestCert) {
        const problem = verifyError(secure);
        secure.authorized = problem === null;
        secure.authorizationError = (problem === null ? null : problem.code) as never;
        if (problem !== null && settings.rejectUnauthorized) {
          fail(problem);
          return;
        }
      }
      cleanup();
      resolvePromise(secure);
    };
    const cleanup = () => {
      signal.removeEventListener('abort', onAbort);
      secure.off('error', onError);
      secure.off('close', onClose);
      secure.off('end', onEnd);
      secure.off(side === 'client' ? 'secureConnect' : 'secure', done);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    secure.once('error', onError);
    secure.once('close', onClose);
    // A client's TLSSocket reports that case itself (as a reset); a server's waits for the timeout.
    if (side === 'server') secure.once('end', onEnd);
    secure.once(side === 'client' ? 'secureConnect' : 'secure', done);
  });
}

/**
 * What OpenSSL found wrong with the peer's certificate chain, or `null` when it verified: what
 * tls.Server asks of each connection (through the same handle method) before it lets one in.
 */
function verifyError(secure: TLSSocket): (Error & { code: string }) | null {
  const handle = (secure as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
  if (typeof handle?.verifyError !== 'function') {
    return Object.assign(new Error('the client certificate could not be checked'), {
      code: 'ERR_TLS_CERT_UNCHECKED',
    });
  }
  const error = handle.verifyError.call(handle) as (Error & { code?: string }) | null;
  if (error === null || error === undefined) return null;
  return Object.assign(error, { code: error.code ?? 'UNABLE_TO_VERIFY' });
}

/** Node's certificate in {@link PeerCertificate}'s fields. */
function toPeerCertificate(cert: DetailedPeerCertificate): PeerCertificate {
  const der = new Uint8Array(cert.raw);
  const base64 = cert.raw.toString('base64').replace(/(.{64})/g, '$1\n');
  return {
    subject: nameParts(cert.subject),
    issuer: nameParts(cert.issuer),
    subjectAltName: splitAltNames(cert.subjectaltname),
    serialNumber: (cert.serialNumber ?? '').toUpperCase(),
    validFrom: new Date(cert.valid_from),
    validTo: new Date(cert.valid_to),
    fingerprint256: cert.fingerprint256,
    der,
    pem: `-----BEGIN CERTIFICATE-----\n${base64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`,
  };
}

function nameParts(name: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof name !== 'object' || name === null) return out;
  for (const [key, value] of Object.entries(name as Record<string, unknown>))
    out[key] = Array.isArray(value) ? value.join(', ') : String(value);
  return out;
}

/** `DNS:a, IP Address:127.0.0.1` → its parts; Node quotes a value holding a comma as JSON. */
function splitAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  const pattern = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (match[0] === '') break;
    const value = match[2]!.startsWith('"') ? (JSON.parse(match[2]!) as string) : match[2]!;
    out.push(`${match[1]}:${value}`);
  }
  return out;
}

/**
 * The peer's certificate and the issuers above it that the handshake saw, the peer's own
 * first; empty when the peer showed none (a plain socket, or a client that sent none).
 */
export function certificateChain(socket: TLSSocket): PeerCertificate[] {
  const first = socket.getPeerCertificate(true);
  if (!first || Object.keys(first).length === 0 || !first.raw) return [];
  const chain: PeerCertificate[] = [];
  const seen = new Set<string>();
  for (
    let cert: DetailedPeerCertificate | undefined = first;
    cert?.raw !== undefined && !seen.has(cert.fingerprint256);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert.fingerprint256);
    chain.push(toPeerCertificate(cert));
  }
  return chain;
}
