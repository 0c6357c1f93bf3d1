/**
 * Seeded generation of tool arguments for the fuzz tests: plausible values drawn from a tool's JSON
 * Schema (what an MCP client sees), then some of them replaced by hostile ones. The same seed always
 * gives the same sequence, so a failure printed with its seed replays with `FUZZ_SEED=<seed>`.
 */

export interface Random {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [low, high]. */
  int(low: number, high: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

/** mulberry32: tiny, fast, and good enough to spread test inputs. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    chance: (probability) => next() < probability,
  };
}

/** The seed to use: `FUZZ_SEED` when replaying, otherwise a fresh one (printed by the caller on failure). */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  const fixed = env.FUZZ_SEED;
  if (fixed !== undefined && fixed !== '') {
    const seed = Number(fixed);
    if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${fixed}`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** The part of JSON Schema that tool input schemas use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

/** Words from the target cluster (VM, image, storage names...) so plausible inputs reach deep code paths. */
export interface FuzzVocabulary {
  names: readonly string[];
  /** Words for particular argument names (`vm`: VM names and ids, `target`: configured targets...). */
  byProperty?: Readonly<Record<string, readonly string[]>>;
}

const INJECTION_LIKE = [
  "'; DROP TABLE guests; --",
  '../../../../etc/passwd',
  '${process.env.VMM_PASSWORD}',
  '{{constructor.constructor("return process")()}}',
  '<script>alert(1)</script>',
  '%00%0d%0aX-Injected: 1',
  'vm\r\nContent-Length: 0',
  '&_sid=stolen&api=SYNO.API.Auth&method=logout',
  'a,b\\,c\\\\',
  '*',
  '?',
  '**/*',
  '[!a-z]*',
  '__proto__',
  'constructor',
  '\u0000',
  ' ',
  '',
];

const UNICODE = [
  'vm-\u{1F680}-rocket',
  '\u202Egnp.exe',
  'zero\u200Bwidth',
  'Ｆｕｌｌｗｉｄｔｈ',
  'ä\u0308o\u0308',
  '\uD800',
  '日本語のVM',
  'مرحبا',
];

/** A value that has no business in any argument of a well-behaved call. */
export function hostileValue(random: Random): unknown {
  switch (random.int(0, 11)) {
    case 0:
      return random.pick(INJECTION_LIKE);
    case 1:
      return random.pick(UNICODE);
    case 2:
      return 'x'.repeat(random.pick([1_000, 70_000, 300_000]));
    case 3:
      return random.pick([-1, -(2 ** 31), 0, -0.5, 1e308, -1e308, 2 ** 53 + 2, 1.5, 4294967296]);
    case 4:
      return random.pick([true, false]);
    case 5:
      return null;
    case 6:
      return random.pick([[], [null], ['a', 1, {}], Array.from({ length: 2_000 }, (_, i) => i)]);
    case 7:
      return random.pick([{}, { $gt: '' }, { __proto__: { polluted: true } }, { nested: { deeper: { deepest: [1] } } }]);
    case 8:
      return JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    case 9:
      return String(random.pick([-1, 1e308, 0x7fffffff, 99999999999999999999]));
    case 10:
      return random.pick(['true', 'null', 'undefined', 'NaN', '[]', '{}']);
    default:
      return deepArray(random.int(20, 200));
  }
}

function deepArray(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** A value that fits `schema` as far as a careless generator can tell. */
export function plausibleValue(random: Random, schema: JsonSchema, vocabulary: FuzzVocabulary, property = ''): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined && schema.enum.length > 0) return random.pick(schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants !== undefined && variants.length > 0) return plausibleValue(random, random.pick(variants), vocabulary, property);
  const type = Array.isArray(schema.type) ? random.pick(schema.type) : schema.type;
  const words = vocabulary.byProperty?.[property] ?? vocabulary.names;
  switch (type) {
    case 'string':
      return words.length > 0 && random.chance(0.8) ? random.pick(words) : `fuzz-${random.int(0, 9999)}`;
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
      const high = Math.min(schema.maximum ?? low + 64, low + 1_000_000);
      return random.int(Math.ceil(low), Math.floor(high));
    }
    case 'boolean':
      return random.chance(0.5);
    case 'array': {
      const count = random.int(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3));
      return Array.from({ length: count }, () => plausibleValue(random, schema.items ?? {}, vocabulary, property));
    }
    case 'object':
      return plausibleObject(random, schema, vocabulary);
    default:
      return random.pick(words.length > 0 ? words : ['fuzz']);
  }
}

function plausibleObject(random: Random, schema: JsonSchema, vocabulary: FuzzVocabulary): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (required.has(key) || random.chance(0.4)) out[key] = plausibleValue(random, property, vocabulary, key);
  }
  return out;
}

/**
 * Arguments for one fuzz call: plausible arguments with one to three of them (or unknown extra
 * fields) swapped for hostile values. Sometimes the plausible arguments are left as they are, so
 * valid calls are exercised too.
 */
export function fuzzArguments(random: Random, schema: JsonSchema, vocabulary: FuzzVocabulary): Record<string, unknown> {
  const args = plausibleObject(random, schema, vocabulary);
  if (random.chance(0.15)) return args;
  const keys = Object.keys(schema.properties ?? {});
  const mutations = random.int(1, 3);
  for (let i = 0; i < mutations; i++) {
    if (keys.length === 0 || random.chance(0.2)) {
      setOwn(args, random.pick(['unexpected', 'api', '_sid', 'method', 'force', '__proto__', 'confirm']), hostileValue(random));
    } else if (random.chance(0.15)) {
      delete args[random.pick(keys)];
    } else {
      setOwn(args, random.pick(keys), hostileValue(random));
    }
  }
  return args;
}

/** `args.__proto__ = x` would swap the prototype; a JSON client sends an own key of that name instead. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
