/**
 * Whether to colour a stream, decided for that stream alone: stderr is coloured when stderr is
 * a terminal, whatever stdout is (`socketkit fetch URL > file` still shows a red error), and
 * the other way round. The environment, as its conventions say:
 *
 * - `FORCE_COLOR` set and not empty: colour (`0` or `false`: no colour), terminal or not, as
 *   Node's own `util.inspect` and most tools read it; it wins over `NO_COLOR`, as in Node;
 * - else `NO_COLOR` set and not empty (no-color.org): no colour;
 * - else colour on a terminal whose `TERM` is not `dumb`. `CI` alone does not force colour
 *   (picocolors' default does: CI logs would fill with escape codes).
 *
 * @module
 */

import pc from 'picocolors';

/** The colour functions for one stream: picocolors' own, switched on or off for it. */
export type Colours = ReturnType<typeof pc.createColors>;

/** Whether a stream with the given TTY-ness is coloured under `env`. */
export function colourEnabled(
  isTTY: boolean,
  env: Record<string, string | undefined> = process.env,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  const no = env.NO_COLOR;
  if (no !== undefined && no !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

const cache = new Map<'stdout' | 'stderr', Colours>();

/** The colours for stdout or stderr, decided once per process. */
export function colours(stream: 'stdout' | 'stderr'): Colours {
  let found = cache.get(stream);
  if (found === undefined) {
    found = pc.createColors(colourEnabled(Boolean(process[stream].isTTY)));
    cache.set(stream, found);
  }
  return found;
}
