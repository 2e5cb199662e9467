// Makes the built CLI executable, so `socketkit` works from node_modules/.bin and after
// `npm install -g`.
import { chmodSync } from 'node:fs';

chmodSync(new URL('../dist/cli/main.js', import.meta.url), 0o755);
