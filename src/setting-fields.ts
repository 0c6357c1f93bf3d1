import { z } from 'zod';

/**
 * The value converters every setting is built from (config.ts, and the target fields each provider
 * declares): each answers the value or a Problem, whose text follows the setting's name in the error.
 */

/** What a converter answers when a value is wrong: the text after the setting's name. */
export class Problem {
  constructor(readonly text: string) {}
}

export function field<T>(convert: (value: unknown) => T | Problem) {
  return z.unknown().transform((value, ctx) => {
    const out = convert(value);
    if (out instanceof Problem) {
      ctx.addIssue({ code: 'custom', message: out.text });
      return z.NEVER;
    }
    return out;
  });
}

export const shown = (value: unknown): string => JSON.stringify(value) ?? String(value);

export function asText(value: unknown, secret = false): string | Problem {
  if (value === undefined) return new Problem('is required');
  if (typeof value !== 'string') return new Problem(secret ? 'must be a string' : `must be a string (got ${shown(value)})`);
  if (value.trim() === '') return new Problem('is empty');
  return value;
}

export const text = () => field((value) => asText(value));
export const secretText = () => field((value) => asText(value, true));

const BOOLEAN_WORDS: Record<string, boolean> = { '1': true, true: true, yes: true, '0': false, false: false, no: false };

/** The words a switch accepts as its value (`--read-only false`, `VMM_READ_ONLY=no`). */
export function isBooleanWord(text: string): boolean {
  return Object.hasOwn(BOOLEAN_WORDS, text.trim().toLowerCase());
}

export const boolean = () =>
  field((value) => {
    if (typeof value === 'boolean') return value;
    const word = BOOLEAN_WORDS[String(value).trim().toLowerCase()];
    return word ?? new Problem(`must be one of 1, 0, true, false, yes, no (got ${shown(value)})`);
  });

/** `what` reads after "must be": "a whole number of milliseconds", "a port number". */
function wholeNumber(value: unknown, min: number, max: number, what: string): number | Problem {
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    return new Problem(`must be ${what} from ${min} to ${max} (got ${shown(value)})`);
  }
  return number;
}

export const integer = (min: number, max: number, unit: string) => field((value) => wholeNumber(value, min, max, `a whole number of ${unit}`));
export const port = () => field((value) => wholeNumber(value, 0, 65_535, 'a port number'));

export function choice<const T extends readonly string[]>(values: T) {
  return field((value): T[number] | Problem => {
    const word = typeof value === 'string' ? value.trim().toLowerCase() : value;
    return values.find((candidate) => candidate === word) ?? new Problem(`must be one of ${values.join(', ')} (got ${shown(value)})`);
  });
}

export const dsmUrl = () =>
  field((value) => {
    const raw = asText(value);
    if (raw instanceof Problem) return raw;
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      return new Problem(`must be a full address such as https://nas.local:5001 (got ${shown(raw)})`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      return new Problem(`must start with https:// or http:// (got ${shown(raw)})`);
    }
    if (url.username !== '' || url.password !== '') {
      return new Problem('must not contain a user name or password; use VMM_USERNAME and VMM_PASSWORD');
    }
    return url.href.replace(/\/+$/, '');
  });

export const commaList = (what: string, example: string) =>
  field((value) => {
    const items = typeof value === 'string' ? value.split(',') : value;
    if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
      return new Problem(`must be comma-separated ${what} such as "${example}" (got ${shown(value)})`);
    }
    return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  });

export const globList = () => commaList('glob patterns', 'prod-*,db-?');

export const fingerprint = () =>
  field((value) => {
    const raw = asText(value);
    if (raw instanceof Problem) return raw;
    const hex = raw.replace(/[:\s]/g, '');
    if (!/^[0-9a-f]{64}$/i.test(hex)) {
      return new Problem(`must be a SHA-256 fingerprint: 64 hex digits, colons allowed (got ${shown(raw)})`);
    }
    return raw.trim();
  });
