import { createHmac } from 'node:crypto';
import { OperationError } from '../../../errors.js';

/** RFC 6238 time-based one-time passwords as DSM's 2-step verification uses them: HMAC-SHA1, 6 digits, 30 s. */

export const TOTP_STEP_MS = 30_000;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, case-insensitive; spaces, dashes and `=` padding (as authenticator apps show them) are ignored. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const index = BASE32_ALPHABET.indexOf(char);
    if (index < 0) {
      throw new OperationError('invalid_input', 'The OTP secret is not valid base32 (letters A-Z and digits 2-7).', {
        next: 'Set VMM_OTP_SECRET to the secret key DSM showed when 2-step verification was enabled.',
      });
    }
    buffer = (buffer << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  if (bytes.length === 0) {
    throw new OperationError('invalid_input', 'The OTP secret is empty.', {
      next: 'Set VMM_OTP_SECRET to the secret key DSM showed when 2-step verification was enabled.',
    });
  }
  return Buffer.from(bytes);
}

/** RFC 4226 HOTP with dynamic truncation. */
export function hotp(key: Buffer, counter: number, digits = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step (window number) that contains `atMs`. */
export function totpStep(atMs: number): number {
  return Math.floor(atMs / TOTP_STEP_MS);
}

export function totp(key: Buffer, atMs: number, digits = 6): string {
  return hotp(key, totpStep(atMs), digits);
}
