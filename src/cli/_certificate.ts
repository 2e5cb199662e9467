/**
 * A throwaway self-signed certificate for `--tls` servers started without `--cert`, as
 * `ncat --ssl -l` makes one: an ECDSA P-256 key and an X.509 v3 certificate for localhost,
 * 127.0.0.1 and ::1, valid for a day, written by hand in DER (node:crypto signs but does not
 * build certificates) and checked by Node's own X509Certificate parser.
 *
 * @module
 */

import {
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFlagFile } from './_options.js';
import { CliError, ExitCode } from './exit-codes.js';

// ── DER, just what a certificate needs (ITU-T X.690) ──────────────────────

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...parts: Buffer[]) => tlv(0x30, ...parts);
const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
const explicit = (n: number, ...parts: Buffer[]) => tlv(0xa0 + n, ...parts);

function integer(bytes: Buffer): Buffer {
  // A positive INTEGER: no leading zeros, but a leading 0x00 when the top bit is set.
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  return tlv(0x02, value[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

function oid(text: string): Buffer {
  const [first, second, ...rest] = text.split('.').map(Number);
  const out = [first! * 40 + second!];
  for (const arc of rest) {
    const bytes = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const octets = (bytes: Buffer) => tlv(0x04, bytes);
const bits = (bytes: Buffer) => tlv(0x03, Buffer.from([0]), bytes);

function utcTime(date: Date): Buffer {
  const two = (n: number) => String(n).padStart(2, '0');
  const text = `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

/** A throwaway certificate and its key, and where they were written. */
interface ThrowawayCertificate {
  cert: string;
  key: string;
  /** The certificate's file, for `--cacert` on the client side. */
  certFile: string;
  /** SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

/** Makes a key and a self-signed certificate for localhost, 127.0.0.1 and ::1. */
function throwawayCertificate(): ThrowawayCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8('socketkit throwaway (localhost)'))));
  const now = Date.now();
  const altNames = sequence(
    tlv(0x82, Buffer.from('localhost', 'ascii')), // dNSName
    tlv(0x87, Buffer.from([127, 0, 0, 1])), // iPAddress
    tlv(0x87, Buffer.alloc(16).fill(0, 0, 15).fill(1, 15)), // ::1
  );
  const extensions = explicit(
    3,
    sequence(
      sequence(oid('2.5.29.17'), octets(altNames)), // subjectAltName
      sequence(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), octets(sequence())), // basicConstraints: critical, not a CA
      sequence(oid('2.5.29.37'), octets(sequence(oid('1.3.6.1.5.5.7.3.1')))), // extKeyUsage: serverAuth
    ),
  );
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(randomBytes(16)),
    ECDSA_WITH_SHA256,
    name,
    sequence(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 24 * 3600_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const der = sequence(tbs, ECDSA_WITH_SHA256, bits(sign('sha256', tbs, privateKey)));
  const cert = `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END CERTIFICATE-----\n`;
  const parsed = new X509Certificate(cert);
  if (!parsed.verify(publicKey)) throw new Error('The throwaway certificate does not verify');
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'socketkit-tls-'));
  // The certificate is only good while this process serves with its key: gone at exit.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'cert.pem');
  writeFileSync(certFile, cert);
  return { cert, key, certFile, fingerprint: parsed.fingerprint256 };
}

/** The key and certificate a `--tls` server uses: `--cert`/`--key` files, or a throwaway pair. */
export interface ServerTls {
  key: string | Buffer;
  cert: string | Buffer;
  /** What to tell the user: where the certificate is and how to trust it. */
  describe: string;
  /** A throwaway certificate's file, for a client's `--cacert`. */
  certFile?: string;
}

/**
 * Reads `--cert`/`--key` (both or neither), or makes a throwaway certificate.
 *
 * @throws {Error} with a message naming the flag, for the CLI to report as bad usage.
 */
function serverTls(
  certFile: string | undefined,
  keyFile: string | undefined,
  read: (path: string, flag: string) => Buffer,
): ServerTls {
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error(
      `${certFile === undefined ? '--key' : '--cert'} needs ${certFile === undefined ? '--cert' : '--key'} too`,
    );
  }
  if (certFile !== undefined && keyFile !== undefined) {
    const cert = read(certFile, '--cert');
    const key = read(keyFile, '--key');
    let fingerprint: string;
    try {
      fingerprint = new X509Certificate(cert).fingerprint256;
    } catch {
      throw new Error(`--cert ${certFile} is not a PEM certificate`);
    }
    return { cert, key, describe: `TLS with ${certFile} (SHA-256 ${fingerprint}).` };
  }
  const made = throwawayCertificate();
  return {
    cert: made.cert,
    key: made.key,
    describe: `TLS with a throwaway self-signed certificate for localhost, 127.0.0.1 and ::1 (SHA-256 ${made.fingerprint}); trust it with --cacert ${made.certFile}`,
    certFile: made.certFile,
  };
}

/** The CA certificates of `--cacert FILE`, checked: exit 77 (curl's) when it holds none or a bad one. */
export function readCa(path: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      `Cannot read --cacert ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      ExitCode.CA_FILE,
    );
  }
  const blocks = pem
    .toString('latin1')
    .match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (blocks === null) {
    throw new CliError(
      `--cacert ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      ExitCode.CA_FILE,
    );
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      throw new CliError(
        `--cacert ${path}: certificate ${i + 1} is not a valid PEM certificate`,
        ExitCode.CA_FILE,
      );
    }
  }
  return pem;
}

/**
 * A client's `--cert FILE` and `--key FILE` (both or neither): the certificate to show a server
 * that asks for one. A file that cannot be read, or is not PEM, is curl's exit 58.
 */
export function clientCertificate(flags: { cert?: string; key?: string }): {
  cert?: Buffer;
  key?: Buffer;
} {
  if (flags.cert === undefined && flags.key === undefined) return {};
  // As curl's -E: a PEM file that holds the key too needs no --key.
  if (flags.cert !== undefined && flags.key === undefined) {
    let text = '';
    try {
      text = readFileSync(flags.cert, 'latin1');
    } catch {
      // Said below, with the exit code for a certificate that cannot be read.
    }
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) flags = { ...flags, key: flags.cert };
  }
  if (flags.cert === undefined || flags.key === undefined)
    throw new CliError(
      `${flags.cert === undefined ? '--key' : '--cert'} needs ${flags.cert === undefined ? '--cert' : '--key'} too: a client certificate is a certificate and its key`,
      ExitCode.USAGE,
    );
  const read = (path: string, flag: string, kind: RegExp, what: string): Buffer => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(
        `Cannot read ${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
        ExitCode.CLIENT_CERTIFICATE,
      );
    }
    if (!kind.test(bytes.toString('latin1')))
      throw new CliError(`${flag} ${path} holds no PEM ${what}`, ExitCode.CLIENT_CERTIFICATE);
    return bytes;
  };
  const cert = read(
    flags.cert,
    '--cert',
    /-----BEGIN CERTIFICATE-----/,
    'certificate (-----BEGIN CERTIFICATE-----)',
  );
  const key = read(
    flags.key,
    '--key',
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    'private key (-----BEGIN PRIVATE KEY-----)',
  );
  try {
    new X509Certificate(cert);
  } catch {
    throw new CliError(
      `--cert ${flags.cert} is not a valid PEM certificate`,
      ExitCode.CLIENT_CERTIFICATE,
    );
  }
  try {
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key)))
      throw new CliError(
        `--key ${flags.key} is not the key of the certificate in --cert ${flags.cert}`,
        ExitCode.CLIENT_CERTIFICATE,
      );
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `--key ${flags.key} is not a usable private key (an encrypted key is not supported)`,
      ExitCode.CLIENT_CERTIFICATE,
    );
  }
  return { cert, key };
}

/**
 * `--tls`, `--cert` and `--key` as a TLS server command takes them: the key pair to serve with,
 * `undefined` without `--tls`; `--cert` or `--key` without `--tls`, or files that will not do,
 * are bad usage (exit 2).
 */
export function tlsFromFlags(flags: {
  tls?: boolean;
  cert?: string;
  key?: string;
}): ServerTls | undefined {
  if (!flags.tls) {
    if (flags.cert !== undefined || flags.key !== undefined)
      throw new CliError(
        `${flags.cert !== undefined ? '--cert' : '--key'} needs --tls`,
        ExitCode.USAGE,
      );
    return undefined;
  }
  try {
    return serverTls(flags.cert, flags.key, readFlagFile);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.USAGE);
  }
}
