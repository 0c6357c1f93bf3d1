/**
 * Secrets never leave the process: not in results, logs, errors or audit lines. Two nets catch them:
 * keys whose names say "secret" are masked wherever they appear, and the exact values of the secrets
 * this process knows (password, sid, SynoToken, OTP, device id, the HTTP token) are masked in any
 * text, in every spelling a backend or a proxy might echo them in: percent-encoded as a URL or form
 * encodes it, and JSON-escaped. The transport masks the values once more in every outgoing message
 * (transports/redacting.ts), so a channel nobody thought of cannot leak them either.
 */

// DSM names the device id `device_id` in the login request and `did` in its answer.
const SECRET_KEY = /pass(word|wd)?$|^_?sid$|token|otp|secret|device_?id|^did$|api_?key|authorization|cookie/i;
const MASK = '[redacted]';
/** Deeper than any real answer; a deeper value (5,000 nested arrays in a hostile call) is cut, not recursed into. */
const MAX_DEPTH = 32;

/** Each registered secret with its spellings, so that forgetting one removes exactly those. */
const knownSecrets = new Map<string, readonly string[]>();
let matcher: RegExp | undefined;

/**
 * Registers a value that must never be printed, however short: the settings refuse passwords too
 * short to mask usefully, so whatever arrives here is masked, not skipped.
 */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value === '' || knownSecrets.has(value)) return;
  knownSecrets.set(value, spellingsOf(value));
  matcher = undefined;
}

export function forgetSecret(value: string | undefined): void {
  if (value !== undefined && knownSecrets.delete(value)) matcher = undefined;
}

/** The value as it is, and as percent-encoding (upper- or lower-case hex, `+` or `%20` for a space) and JSON would write it. */
function spellingsOf(value: string): string[] {
  const uri = encodeURIComponent(value);
  const strict = uri.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = new URLSearchParams({ v: value }).toString().slice(2);
  const json = JSON.stringify(value).slice(1, -1);
  const lowerHex = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
  return [...new Set([value, uri, strict, form, json, lowerHex(uri), lowerHex(strict), lowerHex(form)])];
}

function secretMatcher(): RegExp | undefined {
  if (knownSecrets.size === 0) return undefined;
  if (matcher === undefined) {
    // Longest first, so that a spelling containing a shorter one is masked whole.
    const spellings = [...new Set([...knownSecrets.values()].flat())].sort((a, b) => b.length - a.length);
    matcher = new RegExp(spellings.map((spelling) => spelling.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|'), 'g');
  }
  return matcher;
}

export function redactText(text: string): string {
  const secrets = secretMatcher();
  if (secrets === undefined) return text;
  return text.replace(secrets, MASK);
}

function holdsSecret(text: string): boolean {
  const secrets = secretMatcher();
  if (secrets === undefined) return false;
  secrets.lastIndex = 0;
  return secrets.test(text);
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A deep copy with secret-named keys masked and known secret values removed from strings. */
export function redact<T>(value: T): T {
  return redactValue(value, new WeakSet(), 0) as T;
}

function redactValue(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen, depth + 1));
  if (value instanceof Error) return redactText(value.message);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[redactText(key)] = isSecretKey(key) && item !== undefined && item !== null && item !== '' ? MASK : redactValue(item, seen, depth + 1);
  }
  return out;
}

/**
 * Known secret values masked in every string and key of `value`, which is returned itself when it holds
 * none (the usual case: nothing is copied). Key names are left alone: an outgoing protocol message
 * carries fields such as `confirm_token` and `progressToken` that are meant for the client.
 */
export function maskSecrets<T>(value: T): T {
  return maskValue(value, 0) as T;
}

function maskValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return holdsSecret(value) ? redactText(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return holdsSecret(JSON.stringify(value)) ? '[too deep]' : value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const masked = maskValue(item, depth + 1);
      if (masked === item) return;
      copy ??= [...value];
      copy[index] = masked;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const masked = maskValue(item, depth + 1);
    const maskedKey = holdsSecret(key) ? redactText(key) : key;
    if (masked === item && maskedKey === key) continue;
    copy ??= { ...value };
    if (maskedKey !== key) delete copy[key];
    copy[maskedKey] = masked;
  }
  return copy ?? value;
}
