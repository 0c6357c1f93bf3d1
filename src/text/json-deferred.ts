/**
 * JSON.parse for a text that is mostly one large array of which the caller needs a few elements, such as
 * DSM's guest list on 10,000 VMs when list_vms filters by name. Parsing every element makes an object per
 * element and a value per field, most of the work of a listing that keeps ten of them, and under the
 * server's small young generation (src/footprint.ts) those objects are copied between spaces while the
 * list grows. Here the text around the array is parsed as usual, each element is only located, and a few
 * named fields of each are kept as spans of the text, so the caller picks elements by those fields
 * before parsing them (figures in bench/README.md).
 *
 * The same text gives the same values as JSON.parse, with one difference: an element that is never
 * parsed is checked for structure (strings, brackets, commas, colons) but not token by token, so a
 * malformed number inside it goes unnoticed where JSON.parse would refuse the whole text.
 */

/** The elements of a JSON array, each parsed only when asked for. */
export class DeferredArray {
  private constructor(
    readonly length: number,
    private readonly element: (index: number) => unknown,
    private readonly member: (index: number, field: string) => unknown,
  ) {}

  /** For a list that was parsed whole: the same reads, without the savings. */
  static of(values: readonly unknown[]): DeferredArray {
    return new DeferredArray(
      values.length,
      (index) => values[index],
      (index, field) => {
        const value = values[index];
        return isObject(value) ? value[field] : undefined;
      },
    );
  }

  /** For the scanner below: elements and their `fields` as spans of `text`. */
  static scanned(text: string, elements: Spans, fields: readonly string[], values: readonly Spans[]): DeferredArray {
    return new DeferredArray(
      elements.count,
      (index) => JSON.parse(elements.text(text, index)),
      (index, field) => {
        const at = fields.indexOf(field);
        if (at < 0) throw new RangeError(`"${field}" was not among the fields scanned`);
        return values[at]!.has(index) ? valueOf(values[at]!.text(text, index)) : undefined;
      },
    );
  }

  /** Element `index`, parsed. */
  parse(index: number): unknown {
    return this.element(index);
  }

  /**
   * Member `field` of element `index` (one of the fields named to parseDeferring), parsed; `undefined`
   * when the element is not an object or has no such member.
   */
  field(index: number, field: string): unknown {
    return this.member(index, field);
  }
}

/**
 * `text` parsed, except that the array found by following the object members named in `path` is a
 * DeferredArray whose elements keep `fields` (members of an object element) ready to read. Where the
 * path does not lead to an array, or where the scanner finds the text is not JSON, the answer is
 * JSON.parse's: its value, or its SyntaxError.
 */
export function parseDeferring(text: string, path: DeferredPath, fields: readonly string[]): unknown {
  let found: ArrayScan | undefined;
  try {
    found = findArray(text, space(text, 0), path, fields).found;
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    return JSON.parse(text);
  }
  if (found === undefined) return JSON.parse(text);
  // Everything outside the array is checked by JSON.parse, trailing text included.
  const outside = JSON.parse(`${text.slice(0, found.start)}[]${text.slice(found.end)}`);
  place(outside, path, DeferredArray.scanned(text, found.elements, fields, found.values));
  return outside;
}

/** Member names from the top of the document to the array; the document itself is never the array. */
export type DeferredPath = readonly [string, ...string[]];

/** Start and end offsets into one text, for entries 0, 1, 2, ... set in order; some may be left unset. */
class Spans {
  private bounds = new Int32Array(64).fill(-1);
  count = 0;

  set(index: number, start: number, end: number): void {
    if (2 * index + 1 >= this.bounds.length) {
      const grown = new Int32Array(Math.max(2 * this.bounds.length, 2 * index + 2)).fill(-1);
      grown.set(this.bounds);
      this.bounds = grown;
    }
    this.bounds[2 * index] = start;
    this.bounds[2 * index + 1] = end;
    this.count = Math.max(this.count, index + 1);
  }

  has(index: number): boolean {
    return index < this.count && this.bounds[2 * index]! >= 0;
  }

  text(text: string, index: number): string {
    return text.slice(this.bounds[2 * index], this.bounds[2 * index + 1]);
  }
}

interface ArrayScan {
  /** Where the array's `[` is, and just after its `]`. */
  start: number;
  end: number;
  elements: Spans;
  /** For each of the fields asked for, the value's span in each element that has it. */
  values: Spans[];
}

/** A place where the scanner's reading of the text breaks; JSON.parse then decides and explains. */
class Fault extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** The array at `path` from the value at `at`, and where that value ends; the last member of a name counts, as in JSON.parse. */
function findArray(text: string, at: number, path: readonly string[], fields: readonly string[]): { end: number; found?: ArrayScan } {
  const first = text.charCodeAt(at);
  if (path.length === 0 && first === OPEN_ARRAY) {
    const found = scanElements(text, at, fields);
    return { end: found.end, found };
  }
  if (path.length === 0 || first !== OPEN_OBJECT) return { end: skipValue(text, at) };
  const [name, ...rest] = path as [string, ...string[]];
  const visit: Visit = { kind: 'path', name, rest };
  const end = eachMember(text, at, fields, visit);
  return visit.found === undefined ? { end } : { end, found: visit.found };
}

function scanElements(text: string, start: number, fields: readonly string[]): ArrayScan {
  const elements = new Spans();
  const values = fields.map(() => new Spans());
  const visit: Visit = { kind: 'element', values, index: 0 };
  let at = space(text, start + 1);
  if (text.charCodeAt(at) === CLOSE_ARRAY) return { start, end: at + 1, elements, values };
  for (let index = 0; ; index++) {
    const elementStart = at;
    visit.index = index;
    at = text.charCodeAt(at) === OPEN_OBJECT ? eachMember(text, at, fields, visit) : skipValue(text, at);
    elements.set(index, elementStart, at);
    at = space(text, at);
    const next = text.charCodeAt(at);
    if (next === CLOSE_ARRAY) return { start, end: at + 1, elements, values };
    if (next !== COMMA) throw new Fault();
    at = space(text, at + 1);
  }
}

/**
 * What eachMember does with an object's members: in an element, keep the spans of the values of
 * `fields`; on the way down the path, follow the member called `name`. One loop with a branch rather
 * than a callback: a callback per member made the scan of 10,000 guests in the server two and a half
 * times as costly (31 against 12 ms of CPU per list, bench/README.md).
 */
type Visit =
  | { readonly kind: 'element'; readonly values: Spans[]; index: number }
  | { readonly kind: 'path'; readonly name: string; readonly rest: readonly string[]; found?: ArrayScan };

/** Walks the members of the object at `at` as `visit` says; returns the offset after the object. */
function eachMember(text: string, at: number, fields: readonly string[], visit: Visit): number {
  at = space(text, at + 1);
  if (text.charCodeAt(at) === CLOSE_OBJECT) return at + 1;
  for (;;) {
    if (text.charCodeAt(at) !== QUOTE) throw new Fault();
    const keyStart = at;
    const keyEnd = skipString(text, at);
    at = space(text, keyEnd);
    if (text.charCodeAt(at) !== COLON) throw new Fault();
    const valueStart = space(text, at + 1);
    if (visit.kind === 'element') {
      at = skipValue(text, valueStart);
      const field = fieldNamed(text, keyStart, keyEnd, fields);
      if (field >= 0) visit.values[field]!.set(visit.index, valueStart, at);
    } else if (fieldNamed(text, keyStart, keyEnd, [visit.name]) === 0) {
      const inner = findArray(text, valueStart, visit.rest, fields);
      visit.found = inner.found;
      at = inner.end;
    } else {
      at = skipValue(text, valueStart);
    }
    at = space(text, at);
    const next = text.charCodeAt(at);
    if (next === CLOSE_OBJECT) return at + 1;
    if (next !== COMMA) throw new Fault();
    at = space(text, at + 1);
  }
}

/** Which of `fields` the member name between `start` and `end` (its quotes included) is, or -1. */
function fieldNamed(text: string, start: number, end: number, fields: readonly string[]): number {
  const length = end - start - 2;
  let escaped: boolean | undefined;
  for (let field = 0; field < fields.length; field++) {
    const name = fields[field]!;
    if (length === name.length) {
      if (text.startsWith(name, start + 1)) return field;
    } else if (length > name.length && (escaped ??= hasBackslash(text, start, end)) && JSON.parse(text.slice(start, end)) === name) {
      return field;
    }
  }
  return -1;
}

function hasBackslash(text: string, start: number, end: number): boolean {
  for (let at = start + 1; at < end - 1; at++) if (text.charCodeAt(at) === BACKSLASH) return true;
  return false;
}

/** The offset after the value starting at `at`. */
function skipValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return skipString(text, at);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) return skipNested(text, at);
  const start = at;
  while (at < text.length && !endsScalar(text.charCodeAt(at))) at++;
  if (at === start) throw new Fault();
  return at;
}

/** Past the matching bracket, with every bracket on the way matched and every string skipped whole. */
function skipNested(text: string, at: number): number {
  const open: number[] = [];
  for (; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      at = skipString(text, at) - 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      open.push(c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (open.pop() !== c) throw new Fault();
      if (open.length === 0) return at + 1;
    }
  }
  throw new Fault();
}

/** The offset after the string whose opening quote is at `at`; the closing quote is one no backslash escapes. */
function skipString(text: string, at: number): number {
  for (let from = at + 1; ; ) {
    const quote = text.indexOf('"', from);
    if (quote < 0) throw new Fault();
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function space(text: string, at: number): number {
  for (;;) {
    const c = text.charCodeAt(at);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return at;
    at++;
  }
}

function endsScalar(c: number): boolean {
  return c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** A member's value from its text; a string without escapes is cut out rather than parsed. */
function valueOf(raw: string): unknown {
  if (raw.charCodeAt(0) === QUOTE && !raw.includes('\\')) return raw.slice(1, -1);
  return JSON.parse(raw);
}

/** `outside` is the text parsed with the array emptied, so the path leads to objects and then to that `[]`. */
function place(outside: unknown, path: DeferredPath, deferred: DeferredArray): void {
  let parent = outside as Record<string, unknown>;
  for (const name of path.slice(0, -1)) parent = parent[name] as Record<string, unknown>;
  parent[path[path.length - 1]!] = deferred;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
