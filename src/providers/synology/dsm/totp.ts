import { createHmac } from 'node:crypto';
import { OperationError } from '../../../errors.js';

/** RFC 6238 time-based one-time passwords as DSM's 2-step verification uses them: HMAC-SHA1, 6 digits, 30 s. */

export const TOTP_STEP_MS = 30_000;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Spaces, dashes and `=` padding, as authenticator apps show a secret, are not part of it. */
const cleanBase32 = (text: string): string => text.replace(/[\s=-]/g, '').toUpperCase();

/** What is wrong with a TOTP secret, as the words after its name ("is empty"); undefined when it decodes. */
export function otpSecretProblem(text: string): string | undefined {
  const clean = cleanBase32(text);
  if ([...clean].some((char) => !BASE32_ALPHABET.includes(char))) return 'is not valid base32 (letters A-Z and digits 2-7)';
  // Fewer than 8 bits decode to no byte at all.
  if (clean.length < 2) return 'is empty';
  return undefined;
}

/** RFC 4648 base32, case-insensitive. */
export function base32Decode(text: string): Buffer {
  const problem = otpSecretProblem(text);
  if (problem !== undefined) {
    throw new OperationError('invalid_input', `The OTP secret ${problem}.`, {
      next: 'Set VMM_OTP_SECRET to the secret key DSM showed when 2-step verification was enabled.',
    });
  }
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of cleanBase32(text)) {
    buffer = (buffer << 5) | BASE32_ALPHABET.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
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
