import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error a plain .mjs script with no type declarations
import { violations } from '../scripts/check-layers.mjs';
import { ROOT } from './_helpers.js';

const src = join(ROOT, 'src');
const check = violations as (root: string, files: Map<string, string>) => string[];

test('check-layers passes on src/ as it is', () => {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'check-layers.mjs')], {
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /every import points down/);
});

test('check-layers fails on an upward import, a private file imported from another folder, and an unknown folder', () => {
  const found = check(
    src,
    new Map([
      [join(src, 'socket', 'stream-socket.ts'), "import { serve } from '../http/server.js';\n"],
      [
        join(src, 'core', 'bytes.ts'),
        "export type { X } from '../names/hosts.js';\nconst m = await import('../cli/main.js');\n",
      ],
      [
        join(src, 'http', 'client.ts'),
        "import { copyExact } from '../core/_copy.js';\nimport { Waiter } from '../core/waiter.js';\n",
      ],
      [join(src, 'widgets', 'x.ts'), "import { a } from '../core/bytes.js';\n"],
    ]),
  );
  assert.deepEqual(found, [
    'socket/stream-socket.ts imports ../http/server.js: socket may not import from the higher layer http/',
    'core/bytes.ts imports ../names/hosts.js: core may not import from the higher layer names/',
    'core/bytes.ts imports ../cli/main.js: core may not import from the higher layer cli/',
    'http/client.ts imports ../core/_copy.js: _copy.js is private to core/',
    'widgets/x.ts: src/widgets/ is not a layer of DESIGN.md',
  ]);
});
