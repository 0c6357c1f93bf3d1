import { createHmac } from 'node:crypto';

/** RFC 6238 TOTP as DSM uses it: HMAC-SHA-1, 6 digits, 30-second steps. */
const STEP_MS = 30_000;
const DIGITS = 6;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function decodeBase32(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`not a base32 character: ${JSON.stringify(char)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

export function timeStep(nowMs: number): number {
  return Math.floor(nowMs / STEP_MS);
}

/** The code for one time step (RFC 4226 dynamic truncation), zero-padded to 6 digits. */
export function totpForStep(secret: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}

/**
 * The time step a code belongs to, accepting one step of clock drift either way; `undefined` when
 * the code matches none.
 */
export function matchingStep(secretBase32: string, code: string, nowMs: number): number | undefined {
  const secret = decodeBase32(secretBase32);
  const current = timeStep(nowMs);
  for (const step of [current, current - 1, current + 1]) {
    if (totpForStep(secret, step) === code) return step;
  }
  return undefined;
}
