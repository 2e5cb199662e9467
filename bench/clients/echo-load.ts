// The load client every echo server is measured with: N connections, each sending a message
// of SIZE bytes and waiting for all of it to come back before sending the next (ping-pong).
// Written on plain node:net so it costs the same whoever the server is.
// Usage: echo-load.ts PORT CONNECTIONS SIZE DURATION_MS WARMUP_MS → prints JSON.
import { connect, type Socket } from 'node:net';

const [port, connections, size, durationMs, warmupMs] = process.argv.slice(2).map(Number) as [
  number,
  number,
  number,
  number,
  number,
];
const payload = Buffer.alloc(size);
for (let i = 0; i < size; i++) payload[i] = (i * 7 + 3) & 0xff;

let counting = false;
let roundTrips = 0;
let stopped = false;
let mismatches = 0;
let dataEvents = 0;

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
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
await new Promise((resolve) => setTimeout(resolve, durationMs));
counting = false;
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
  }),
);
process.exit(0);
