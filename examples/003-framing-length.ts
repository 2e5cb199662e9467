/**
 * Tutorial 003, framing 3 of 4 — a length before each message.
 *
 * Five ASCII digits give the length ("00012Hello, world"), as the
 * tutorial's zfill(5) does. The header itself is read in a loop too (the
 * tutorial notes that one recv(5) may bring fewer than five bytes), and a
 * length above maxLength is refused before any of the message is buffered.
 *
 *     npx tsx examples/003-framing-length.ts server 127.0.0.1 7342
 *     npx tsx examples/003-framing-length.ts client 127.0.0.1 7342
 */
import { lengthPrefixed } from 'socketkit/framing';
import { framingDemo } from './_framing-demo.js';

await framingDemo(
  lengthPrefixed({ header: { ascii: 5 }, maxLength: 99_999 }),
  process.argv.slice(2),
);
