// Removes dist/ before `npm pack` and `npm publish` build it afresh (the prepack script): tsc only
// adds and overwrites, so a module deleted or moved in src/ would otherwise still ship from an
// earlier build, and could even be imported by what still refers to it.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
