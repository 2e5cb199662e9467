/**
 * Tutorial 003, framing 2 of 4 — delimited messages.
 *
 * Each message ends with "#*#". The tutorial's first try waited for the
 * received bytes to *end* with the delimiter, which never happens when two
 * messages arrive together; the decoder looks for it anywhere and keeps
 * what follows for the next message. A message containing the delimiter
 * cannot be sent (encode() refuses it), and maxLength bounds how long the
 * receiver waits for one.
 *
 *     npx tsx examples/003-framing-delimited.ts server 127.0.0.1 7342
 *     npx tsx examples/003-framing-delimited.ts client 127.0.0.1 7342
 */
import { delimited } from 'socketkit/framing';
import { framingDemo } from './_framing-demo.js';

await framingDemo(delimited('#*#', { maxLength: 64 * 1024 }), process.argv.slice(2));
