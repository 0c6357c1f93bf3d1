import { OperationError } from '../../../errors.js';

/**
 * How DSM parameters travel: form or query encoded, with spaces as `%20` (the guide's examples).
 * Arrays and objects (`vdisks`, `vnics`, `storage_ids`) are JSON strings, booleans are `true`/`false`,
 * and absent values are left out so that DSM applies its own defaults.
 *
 * The guide's comma escaping (`,` -> `\,`, `\` -> `\\`) is for multi-value string parameters, where
 * commas separate the values (`additional=network,storage`): `joinMultiValue` builds those. Every other
 * string, names included, is one value and is sent as it is, so names with commas and backslashes
 * survive a round trip.
 */

export type WireValue = string | number | boolean | null | undefined | object;

/** The text DSM receives for one value, or `undefined` when the parameter is left out. */
export function encodeValue(name: string, value: WireValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return decimal(name, value);
  return JSON.stringify(value);
}

/** Several values in one string parameter, escaped by the guide's rule. */
export function joinMultiValue(values: readonly string[]): string {
  return values.map((value) => value.replace(/\\/g, '\\\\').replace(/,/g, '\\,')).join(',');
}

/** `name=value&...` with every byte outside the unreserved set percent-encoded (space is `%20`, never `+`). */
export function encodeForm(params: Readonly<Record<string, WireValue>>): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const text = encodeValue(name, value);
    if (text !== undefined) pairs.push(`${percentEncode(name, name)}=${percentEncode(name, text)}`);
  }
  return pairs.join('&');
}

function decimal(name: string, value: number): string {
  if (!Number.isFinite(value)) {
    throw new OperationError('invalid_input', `Parameter ${name} must be a finite number, got ${value}.`);
  }
  if (Number.isInteger(value)) return BigInt(value).toString();
  const text = String(value);
  return text.includes('e') ? value.toFixed(20).replace(/0+$/, '') : text;
}

function percentEncode(name: string, text: string): string {
  try {
    return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch (error) {
    // encodeURIComponent throws URIError on a lone UTF-16 surrogate, which no DSM name can hold.
    throw new OperationError('invalid_input', `Parameter ${name} contains text that is not valid Unicode.`, {
      cause: error,
    });
  }
}
