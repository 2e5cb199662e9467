/**
 * Tutorial 002 — messages are bytes, not text.
 *
 * Sockets carry bytes. Text is turned into bytes with an encoding (UTF-8
 * here) before sending, and back after receiving. Passing a string where
 * bytes are needed is a mistake socketkit catches.
 *
 *     npx tsx examples/002-bytes-and-text.ts              # "hello world!"
 *     npx tsx examples/002-bytes-and-text.ts "héllo wörld"
 */
import { bytesRepr, decode, encode } from 'socketkit';

const [text = 'hello world!'] = process.argv.slice(2);
const bytes = encode(text);
console.log(`text:  ${JSON.stringify(text)} (${text.length} characters)`);
console.log(`bytes: ${bytesRepr(bytes)} (${bytes.length} bytes)`);
console.log(`back:  ${JSON.stringify(decode(bytes))}`);
