/**
 * Tutorial 003, framing 4 of 4 — send, then close.
 *
 * HTTP/1.0's way: the message is everything until the sender shuts down
 * its side, which the receiver sees as recv() returning no bytes. Simple,
 * but one connection carries one message.
 *
 *     npx tsx examples/003-framing-close.ts server 127.0.0.1 7342
 *     npx tsx examples/003-framing-close.ts client 127.0.0.1 7342
 */
import { closeDelimited } from 'socketkit/framing';
import { framingDemo } from './_framing-demo.js';

await framingDemo(closeDelimited({ maxLength: 1024 * 1024 }), process.argv.slice(2));
