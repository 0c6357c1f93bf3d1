import { base32Decode, hotp, totpStep } from '../dsm/totp.js';

/**
 * The time step a code belongs to, accepting one step of clock drift either way, as DSM does;
 * `undefined` when the code matches none. The RFC 6238 arithmetic is the client's own, so the
 * simulator and the client cannot drift apart on it.
 */
export function matchingStep(secretBase32: string, code: string, nowMs: number): number | undefined {
  const secret = base32Decode(secretBase32);
  const current = totpStep(nowMs);
  for (const step of [current, current - 1, current + 1]) {
    if (hotp(secret, step) === code) return step;
  }
  return undefined;
}
