/**
 * Header fields as they arrived: in order, names as sent, with
 * case-insensitive lookup.
 *
 * @module
 */

/**
 * A header list that keeps order and spelling, and looks names up case-insensitively.
 *
 * @example Case-insensitive lookup, order kept
 * ```ts
 * import { HttpHeaders } from 'socketkit/http';
 * const headers = new HttpHeaders({ 'Content-Type': 'text/html', 'X-Count': 2 });
 * headers.append('Set-Cookie', 'a=1');
 * console.log(headers.get('content-type'), headers.size); // text/html 3
 * ```
 */
export class HttpHeaders implements Iterable<[string, string]> {
  #fields: Array<[string, string]>;

  /**
   * From a plain object, a list of `[name, value]` pairs, or other headers (copied). Numbers
   * become strings.
   *
   * @throws {TypeError} a pair in the list does not have exactly two elements.
   */
  constructor(init?: HeadersInit | Iterable<readonly [string, string]>) {
    this.#fields = init === undefined ? [] : pairsOf(init);
  }

  /**
   * Wraps `fields` without copying them; the caller gives them up.
   * @internal For the parser, which builds a fresh array per head.
   */
  static adopt(fields: Array<[string, string]>): HttpHeaders {
    const headers = new HttpHeaders();
    headers.#fields = fields;
    return headers;
  }

  /** Builds headers from a plain object or a list of pairs (the same as `new HttpHeaders(init)`). */
  static from(init?: HeadersInit): HttpHeaders {
    return new HttpHeaders(init);
  }

  /** Adds a field at the end (names may repeat). */
  append(name: string, value: string): void {
    this.#fields.push([name, value]);
  }

  /** Replaces every field of this name with one. */
  set(name: string, value: string): void {
    this.delete(name);
    this.#fields.push([name, value]);
  }

  /** Removes every field of this name, in any case. */
  delete(name: string): void {
    const lower = name.toLowerCase();
    for (let i = this.#fields.length - 1; i >= 0; i--) {
      if (this.#fields[i]![0].toLowerCase() === lower) this.#fields.splice(i, 1);
    }
  }

  /** The value of a field, several joined with ", " (RFC 9110 §5.3), or `null`. */
  get(name: string): string | null {
    const values = this.getAll(name);
    return values.length === 0 ? null : values.join(', ');
  }

  /** Every value of a field, in order (use this for Set-Cookie). */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (const [n, v] of this.#fields)
      if (n.length === lower.length && n.toLowerCase() === lower) out.push(v);
    return out;
  }

  /** Whether a field of this name is present, in any case. */
  has(name: string): boolean {
    return this.getAll(name).length > 0;
  }

  /**
   * The comma-separated elements of a list-valued field across all its
   * lines, trimmed, lowercased, empty elements dropped (RFC 9110 §5.6.1).
   */
  tokens(name: string): string[] {
    const out: string[] = [];
    for (const value of this.getAll(name)) {
      for (const part of value.split(',')) {
        const token = part.trim().toLowerCase();
        if (token !== '') out.push(token);
      }
    }
    return out;
  }

  /** How many fields there are, each repetition of a name counted. */
  get size(): number {
    return this.#fields.length;
  }

  /** The `[name, value]` pairs in order, names spelled as given: `for (const [name, value] of headers)`. */
  [Symbol.iterator](): Iterator<[string, string]> {
    return this.#fields[Symbol.iterator]();
  }

  /** The fields as a plain object, names lowercased, repeated fields joined. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name] of this.#fields) {
      const lower = name.toLowerCase();
      if (!(lower in out)) out[lower] = this.get(name)!;
    }
    return out;
  }
}

/**
 * What can be given as headers: a plain object (`{ 'Content-Type': 'text/html' }`), a list
 * of `[name, value]` pairs (repeated names allowed), or `HttpHeaders`.
 */
export type HeadersInit =
  | Readonly<Record<string, string | number>>
  | ReadonlyArray<readonly [string, string | number] | readonly string[]>
  | HttpHeaders;

function pairsOf(init: HeadersInit | Iterable<readonly [string, string]>): Array<[string, string]> {
  if (init instanceof HttpHeaders) return [...init];
  if (Array.isArray(init) || Symbol.iterator in (init as object)) {
    const out: Array<[string, string]> = [];
    for (const pair of init as Iterable<readonly unknown[]>) {
      if (pair.length !== 2) {
        throw new TypeError(
          `Invalid header pair ${JSON.stringify(pair)}: each one must be [name, value]`,
        );
      }
      out.push([String(pair[0]), String(pair[1])]);
    }
    return out;
  }
  return Object.entries(init as Record<string, string | number>).map(([n, v]) => [n, String(v)]);
}
