// Module hooks (node:module register) that append one JSON line per resolved module, with the module
// that imported it, to the file named by SOCKETKIT_LOAD_LOG. The importer is kept so that a failing
// check can name the chain of files that pulled a package in.
import { appendFileSync } from 'node:fs';

const log = process.env.SOCKETKIT_LOAD_LOG;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (log) {
    const entry = { url: resolved.url, parent: context.parentURL ?? null };
    appendFileSync(log, `${JSON.stringify(entry)}\n`);
  }
  return resolved;
}
