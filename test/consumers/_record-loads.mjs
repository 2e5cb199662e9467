// Preloaded with `node --import` by import-graph.test.ts: registers _record-loads-hooks.mjs, which
// writes down every module this process resolves. Plain JavaScript, so the process it watches loads
// nothing but Node, this file and what the program under test imports (no tsx).
import { register } from 'node:module';

register('./_record-loads-hooks.mjs', import.meta.url);
