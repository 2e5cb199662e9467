/**
 * Quotes for the QOTD service (RFC 865): traditional proverbs, which
 * belong to no one, each well under the RFC's 512 characters.
 *
 * @module
 */

import { readFileSync } from 'node:fs';

/** The quotes `qotd` picks from by default: 40 traditional proverbs. */
export const PROVERBS: readonly string[] = [
  'A journey of a thousand miles begins with a single step.',
  'Still waters run deep.',
  'Many hands make light work.',
  'The early bird catches the worm.',
  'A stitch in time saves nine.',
  'Actions speak louder than words.',
  'Where there is smoke, there is fire.',
  'Rome was not built in a day.',
  'Look before you leap.',
  'Measure twice, cut once.',
  'Necessity is the mother of invention.',
  'A rolling stone gathers no moss.',
  'Half a loaf is better than none.',
  'Slow and steady wins the race.',
  'The pen is mightier than the sword.',
  'Do not count your chickens before they hatch.',
  'Every cloud has a silver lining.',
  'Fortune favours the bold.',
  'A watched pot never boils.',
  'Practice makes perfect.',
  'When in Rome, do as the Romans do.',
  'Two heads are better than one.',
  'The proof of the pudding is in the eating.',
  'Better late than never.',
  'Do not put all your eggs in one basket.',
  'All roads lead to Rome.',
  'A bird in the hand is worth two in the bush.',
  'Patience is a virtue.',
  'Knowledge is power.',
  'An ounce of prevention is worth a pound of cure.',
  'Too many cooks spoil the broth.',
  'Great oaks from little acorns grow.',
  'Out of sight, out of mind.',
  'You cannot have your cake and eat it too.',
  'The squeaky wheel gets the grease.',
  'Time and tide wait for no man.',
  'Necessity knows no law.',
  'What goes around comes around.',
  'Curiosity killed the cat, but satisfaction brought it back.',
  'Small leaks sink great ships.',
];

/** 511 characters: the longest quote accepted, since RFC 865 asks that a quote be under 512. */
export const MAX_QUOTE_LENGTH = 511;

/**
 * Reads quotes from a UTF-8 file: separated by lines holding only `%` (the
 * fortune format) or by blank lines, each trimmed.
 *
 * @throws {RangeError} a quote is 512 characters or longer, or the file holds none.
 * @throws {Error} the file cannot be read (Node's `ENOENT` and the like).
 *
 * @example A fortune file
 * ```ts
 * import { rmSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { loadQuotes } from 'socketkit/services';
 * const path = join(tmpdir(), `quotes-${process.pid}.txt`);
 * writeFileSync(path, 'Look before you leap.\n%\nKnowledge is power.\n');
 * console.log(loadQuotes(path)); // [ 'Look before you leap.', 'Knowledge is power.' ]
 * rmSync(path);
 * ```
 */
export function loadQuotes(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const quotes = text
    .split(/\r?\n(?:%|\s*)\r?\n/)
    .map((q) => q.trim())
    .filter((q) => q !== '' && q !== '%');
  if (quotes.length === 0) throw new RangeError(`${path} holds no quotes`);
  for (const [i, quote] of quotes.entries()) {
    if (quote.length > MAX_QUOTE_LENGTH) {
      throw new RangeError(
        `Quote ${i + 1} of ${path} has ${quote.length} characters; RFC 865 allows fewer than 512`,
      );
    }
  }
  return quotes;
}
