// The load client every echo server is measured with: N connections, each sending a message
// of SIZE bytes and waiting for all of it to come back before sending the next (ping-pong).
// Written on plain node:net so it costs the same whoever the server is.
// Usage: echo-load.ts PORT|PATH CONNECTIONS SIZE DURATION_MS WARMUP_MS [SERVER_PID] → prints
// JSON. PORT is a TCP port on 127.0.0.1; anything else is the path of a Unix domain socket.
// With SERVER_PID, it also reports the server's CPU time (user + system, from /proc) over the
// measured window, for the cost of one round trip to the server.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

const [target = '', ...numbers] = process.argv.slice(2);
const [connections, size, durationMs, warmupMs, serverPid] = numbers.map(Number) as [
  number,
  number,
  number,
  number,
  number | undefined,
];
// The same socket options either way: Nagle off on TCP (a Unix socket has no Nagle to turn off).
const endpoint = /^\d+$/.test(target)
  ? { port: Number(target), host: '127.0.0.1', noDelay: true }
  : { path: target };

/** The server's user + system CPU seconds so far, or null without a pid. */
function serverCpu(): number | null {
  if (serverPid === undefined || Number.isNaN(serverPid)) return null;
  // Fields after the command name (which is in parentheses and may hold spaces): utime is the
  // 12th and stime the 13th of them, in clock ticks (USER_HZ, 100 on Linux).
  const stat = readFileSync(`/proc/${serverPid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const payload = Buffer.alloc(size);
for (let i = 0; i < size; i++) payload[i] = (i * 7 + 3) & 0xff;

let counting = false;
let roundTrips = 0;
let stopped = false;
let mismatches = 0;
let dataEvents = 0;

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(endpoint, () => resolve(socket));
    socket.once('error', reject);
  });
}

const sockets = await Promise.all(Array.from({ length: connections }, open));
// Check once per connection that the echo is exact before timing anything.
for (const socket of sockets) {
  const back = await new Promise<Buffer>((resolve) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      got += chunk.length;
      if (got >= size) {
        socket.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    socket.on('data', onData);
    socket.write(payload);
  });
  if (!back.equals(payload)) mismatches++;
}

for (const socket of sockets) {
  let pending = size;
  socket.on('data', (chunk: Buffer) => {
    if (counting) dataEvents++;
    pending -= chunk.length;
    if (pending <= 0) {
      if (counting) roundTrips++;
      pending = size;
      if (!stopped) socket.write(payload);
    }
  });
  socket.write(payload);
}

await new Promise((resolve) => setTimeout(resolve, warmupMs));
counting = true;
const started = performance.now();
const serverCpuBefore = serverCpu();
await new Promise((resolve) => setTimeout(resolve, durationMs));
counting = false;
const serverCpuAfter = serverCpu();
const seconds = (performance.now() - started) / 1000;
stopped = true;
for (const socket of sockets) socket.destroy();
const cpu = process.cpuUsage();
console.log(
  JSON.stringify({
    roundTrips,
    seconds,
    perSecond: roundTrips / seconds,
    mismatches,
    dataEventsPerRoundTrip: dataEvents / roundTrips,
    clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    serverCpuSeconds:
      serverCpuBefore === null || serverCpuAfter === null ? null : serverCpuAfter - serverCpuBefore,
  }),
);
process.exit(0);
