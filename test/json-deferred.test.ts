import { describe, expect, it } from 'vitest';
import { DeferredArray, parseDeferring } from '../src/text/json-deferred.js';

/**
 * parseDeferring must give what JSON.parse gives, with the array at the path left for later: checked
 * on generated documents (seeded, so a failure repeats) and on the corners of the grammar.
 */

const FIELDS = ['name', 'host'] as const;

/** The DeferredArray at data.items turned back into the plain array JSON.parse would have made. */
function materialized(value: unknown): unknown {
  const data = (value as { data?: { items?: unknown } }).data;
  if (data?.items instanceof DeferredArray) {
    const items = data.items;
    data.items = Array.from({ length: items.length }, (_, index) => items.parse(index));
  }
  return value;
}

function deferredItems(text: string): DeferredArray {
  const items = (parseDeferring(text, ['data', 'items'], FIELDS) as { data: { items: unknown } }).data.items;
  expect(items, text).toBeInstanceOf(DeferredArray);
  return items as DeferredArray;
}

/** A small linear congruential generator: the same seed, the same documents. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const AWKWARD = ['', 'a', 'name', 'host', 'x"y', 'back\\slash', '\\', 'tab\there', 'é', '日本', '😀', '}', ']', '{"name":1}', '\u0000', 'line\nbreak'];

function generate(next: () => number, depth: number): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const kind = Math.floor(next() * (depth > 2 ? 5 : 7));
  switch (kind) {
    case 0:
      return pick([null, true, false]);
    case 1:
      return pick([0, -1, 3.25, 1e21, -2.5e-7, 123456789]);
    case 2:
    case 3:
      return pick(AWKWARD);
    case 4:
      return pick(AWKWARD) + pick(AWKWARD);
    case 5:
      return Array.from({ length: Math.floor(next() * 4) }, () => generate(next, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 5); i > 0; i--) object[pick([...AWKWARD, 'name', 'host', 'name'])] = generate(next, depth + 1);
      return object;
    }
  }
}

/** JSON.stringify with whitespace sprinkled between tokens, as another server might write it. */
function spaced(value: unknown, next: () => number): string {
  const gap = (): string => [' ', '\n', '\t', '\r\n  ', ''][Math.floor(next() * 5)]!;
  if (Array.isArray(value)) return `[${gap()}${value.map((item) => spaced(item, next)).join(`${gap()},${gap()}`)}${gap()}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}${gap()}:${gap()}${spaced(item, next)}`);
    return `{${gap()}${members.join(`${gap()},${gap()}`)}${gap()}}`;
  }
  return JSON.stringify(value);
}

describe('parseDeferring', () => {
  it('gives JSON.parse\'s value and fields on 300 generated documents', () => {
    const next = random(20261202);
    for (let round = 0; round < 300; round++) {
      const items = Array.from({ length: Math.floor(next() * 8) }, () => (next() < 0.8 ? { name: generate(next, 2), host: generate(next, 2), extra: generate(next, 1) } : generate(next, 1)));
      const document = { success: true, before: generate(next, 1), data: { total: items.length, items, after: generate(next, 1) } };
      const text = next() < 0.5 ? JSON.stringify(document) : spaced(document, next);
      const deferred = deferredItems(text);
      const expected = JSON.parse(text);
      for (const field of FIELDS) {
        for (let index = 0; index < deferred.length; index++) {
          const element = expected.data.items[index];
          const plain = element !== null && typeof element === 'object' && !Array.isArray(element) ? element[field] : undefined;
          expect(deferred.field(index, field), `${text} [${index}].${field}`).toEqual(plain);
        }
      }
      expect(materialized(parseDeferring(text, ['data', 'items'], FIELDS)), text).toEqual(expected);
    }
  });

  it('reads a member whose name is written with escapes as the name it stands for', () => {
    const items = deferredItems('{"data":{"items":[{"n\\u0061me":"a","name\\"":"b"},{"name":"c","na\\u006de":"d"}]}}');
    expect([items.field(0, 'name'), items.field(1, 'name')]).toEqual(['a', 'd']);
  });

  it('takes the last of duplicate members, along the path and in an element, as JSON.parse does', () => {
    for (const text of [
      '{"data":{"items":[{"name":"first"}]},"data":{"items":[{"name":"second","name":"third"}]}}',
      '{"data":{"items":[{"name":"x"}],"items":[{"name":"y"}]}}',
    ]) {
      const items = deferredItems(text);
      expect(items.field(0, 'name')).toBe(JSON.parse(text).data.items[0].name);
    }
    for (const text of ['{"data":{"items":[1]},"data":{}}', '{"data":{"items":[1],"items":null}}', '{"data":{"items":[1]},"data":5}']) {
      expect(parseDeferring(text, ['data', 'items'], FIELDS), text).toEqual(JSON.parse(text));
    }
  });

  it('gives exactly JSON.parse\'s value where the path leads to no array: a DSM failure, null, an object', () => {
    for (const text of ['{"success":false,"error":{"code":105}}', '{"data":{"items":null}}', '{"data":{"items":{"0":1}}}', '{"data":[1,2]}', '[1]', '"text"', '7']) {
      expect(parseDeferring(text, ['data', 'items'], FIELDS), text).toEqual(JSON.parse(text));
    }
  });

  it('throws JSON.parse\'s SyntaxError for a text that is not JSON, inside the array or outside it', () => {
    for (const text of [
      '{"data":{"items":[{"name":"a"},{"name":"b"',
      '{"data":{"items":[{"name":"a"}}}',
      '{"data":{"items":[{"name":"a"]}}',
      '{"data":{"items":[{"name" "a"}]}}',
      '{"data":{"items":[{"name":"a",}]}}',
      '{"data":{"items":[,]}}',
      '{"data":{"items":[{"name":"unterminated}]}}',
      '{"data":{"items":[]}} trailing',
      '{"data":{"items":[]},}',
      '',
    ]) {
      expect(() => parseDeferring(text, ['data', 'items'], FIELDS), text).toThrow(SyntaxError);
    }
  });

  it('checks an element it never parses for structure only: a bad number in it fails when that element is parsed', () => {
    const items = deferredItems('{"data":{"items":[{"name":"a","size":12x},{"name":"b"}]}}');
    expect(items.field(1, 'name')).toBe('b');
    expect(() => items.parse(0)).toThrow(SyntaxError);
  });

  it('refuses to read a field that was not scanned, rather than answering that it is absent', () => {
    expect(() => deferredItems('{"data":{"items":[{"name":"a","size":1}]}}').field(0, 'size')).toThrow(/"size" was not among the fields scanned/);
  });
});
