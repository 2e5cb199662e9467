/**
 * Header fields as they arrived: in order, names as sent, with
 * case-insensitive lookup.
 *
 * @module
 */

/** A header list that keeps order and spelling, and looks names up case-insensitively. */
export class HttpHeaders implements Iterable<[string, string]> {
  #fields: Array<[string, string]>;

  constructor(fields: Iterable<[string, string]> = []) {
    this.#fields = [...fields];
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

  /** Builds headers from a plain object or a list of pairs. */
  static from(init?: HeadersInit): HttpHeaders {
    if (init === undefined) return new HttpHeaders();
    if (init instanceof HttpHeaders) return new HttpHeaders(init);
    if (Array.isArray(init)) return new HttpHeaders(init.map(([n, v]) => [String(n), String(v)]));
    return new HttpHeaders(Object.entries(init).map(([n, v]) => [n, String(v)]));
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

  get size(): number {
    return this.#fields.length;
  }

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

/** What can be given as headers: a plain object, a list of pairs, or `HttpHeaders`. */
export type HeadersInit = Record<string, string | number> | Array<[string, string]> | HttpHeaders;
