/**
 * Loopback stand-ins for the public servers the tutorials talk to
 * (webcode.me, time.nist.gov, djxmmx.net, www.python.org, …), so every
 * example runs its real code without the internet. Built on socketkit's own
 * services and HTTP server.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { type HttpServer, type ServerRequest, serve } from '../http/server.js';
import { daytime, discard, echo, qotd, reverse, type Service } from '../services/classic.js';
import { type RunningService, runTcp, runUdp } from '../services/runner.js';
import { listen } from '../socket/server-socket.js';
import type { StreamSocket } from '../socket/stream-socket.js';

/** A stand-in: where it listens, and how to stop it. */
export interface StandIn {
  readonly port: number;
  close(): Promise<void>;
}

/** The tour's CA and server certificate (see assets/tour/README.md). */
const TOUR_ASSETS = new URL('../../assets/tour/', import.meta.url);
export const TOUR_CA = new URL('ca.pem', TOUR_ASSETS);

/** The page the web stand-ins serve: long enough to need several reads. */
export function standInPage(): string {
  const rows = Array.from(
    { length: 120 },
    (_, i) => `<li>Cat video number ${i + 1}, in which a cat does something remarkable.</li>`,
  );
  return `<!DOCTYPE html>\n<html><head><title>A stand-in site</title></head><body>\n<h1>A stand-in site</h1>\n<ul>\n${rows.join('\n')}\n</ul>\n</body></html>\n`;
}

const PAGE = standInPage();

function site(request: ServerRequest) {
  return {
    headers: { 'Content-Type': 'text/html; charset=utf-8', Server: 'socketkit-tour-stand-in' },
    body: request.method === 'HEAD' ? null : PAGE,
  };
}

function fromHttp(server: HttpServer): StandIn {
  return { port: server.address.port, close: () => server.close(500) };
}

function fromService(running: RunningService): StandIn {
  return { port: running.address.port, close: () => running.close(500) };
}

/** A web site on plain HTTP (webcode.me, www.cutecatvideos.net, …). */
export async function httpSite(): Promise<StandIn> {
  return fromHttp(await serve(site));
}

/** The same site over TLS, with the tour's certificate for localhost. */
export async function httpsSite(): Promise<StandIn> {
  const tls = {
    key: readFileSync(new URL('localhost-key.pem', TOUR_ASSETS)),
    cert: readFileSync(new URL('localhost.pem', TOUR_ASSETS)),
  };
  return fromHttp(await serve(site, { tls }));
}

/**
 * A server that, like www.python.org's front end in tutorial 003, answers
 * 421 Misdirected Request unless the Host header names it. `names()` gives
 * the Host values it accepts (set once the address clients use is known).
 */
export async function hostCheckingSite(names: () => string[]): Promise<StandIn> {
  return fromHttp(
    await serve((request) => {
      const host = request.headers.get('host') ?? '';
      if (!names().includes(host.toLowerCase())) {
        return {
          status: 421,
          headers: { 'Content-Type': 'text/plain' },
          body: 'Misdirected Request: this server does not serve that host\n',
        };
      }
      return site(request);
    }),
  );
}

/**
 * A web server that sends its reply in two parts with a pause between:
 * the first read a client makes comes back short, long before the end.
 */
export async function slowSite(pauseMs = 300): Promise<StandIn> {
  const server = await listen({ host: '127.0.0.1', port: 0 });
  const body = Buffer.from(PAGE);
  const head = Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
  );
  const answer = async (client: StreamSocket) => {
    try {
      client.setTimeout(10_000);
      await client.recvUntil(Buffer.from('\r\n\r\n'), { maxLength: 16 * 1024 });
      await client.sendAll(Buffer.concat([head, body.subarray(0, 1000)]));
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      await client.sendAll(body.subarray(1000));
    } catch {
      // the client went away
    } finally {
      await client.close();
    }
  };
  const loop = (async () => {
    for await (const client of server) void answer(client);
  })();
  return {
    port: server.address.port,
    async close() {
      await server.close();
      await loop;
    },
  };
}

/** A server that accepts and then never says anything (a hung server). */
export async function silentServer(): Promise<StandIn> {
  const server = await listen({ host: '127.0.0.1', port: 0 });
  const held: StreamSocket[] = [];
  const loop = (async () => {
    for await (const client of server) held.push(client);
  })();
  return {
    port: server.address.port,
    async close() {
      await server.close();
      await loop;
      for (const client of held) await client.close();
    },
  };
}

/** A classic service (daytime, qotd, echo, discard, reverse) on TCP. */
export async function tcpService(service: Service): Promise<StandIn> {
  return fromService(await runTcp(service));
}

/** A classic service on UDP. */
export async function udpService(service: Service): Promise<StandIn> {
  return fromService(await runUdp(service));
}

export const SERVICES = { daytime, discard, echo, qotd, reverse } as const;
