/**
 * Secrets never leave the process: not in results, logs, errors or audit lines. Two nets catch them:
 * keys whose names say "secret" are masked wherever they appear, and the exact values of the secrets
 * this process knows (password, sid, SynoToken, OTP, device id) are masked in any text.
 */

// DSM names the device id `device_id` in the login request and `did` in its answer.
const SECRET_KEY = /pass(word|wd)?$|^_?sid$|token|otp|secret|device_?id|^did$|api_?key|authorization|cookie/i;
const MASK = '[redacted]';

const knownSecrets = new Set<string>();

/** Registers a value that must never be printed. Short values are ignored: masking "1" would garble text. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= 4) knownSecrets.add(value);
}

export function forgetSecret(value: string | undefined): void {
  if (value !== undefined) knownSecrets.delete(value);
}

export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A deep copy with secret-named keys masked and known secret values removed from strings. */
export function redact<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T;
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
  if (value instanceof Error) return redactText(value.message);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretKey(key) && item !== undefined && item !== null && item !== '' ? MASK : redactValue(item, seen);
  }
  return out;
}
