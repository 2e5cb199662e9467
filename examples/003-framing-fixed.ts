/**
 * Tutorial 003, framing 1 of 4 — fixed-length messages.
 *
 * Every message is exactly 30 bytes, shorter ones padded with '#'. The
 * receiver reads until it has 30 bytes (one recv() may bring fewer, or
 * bytes of the next message too) and strips the padding. A message may
 * not end in '#' itself: it would lose it, so encode() refuses one.
 *
 *     npx tsx examples/003-framing-fixed.ts server 127.0.0.1 7342
 *     npx tsx examples/003-framing-fixed.ts client 127.0.0.1 7342
 */
import { fixedLength } from 'socketkit/framing';
import { framingDemo } from './_framing-demo.js';

await framingDemo(fixedLength(30, { pad: '#' }), process.argv.slice(2));
