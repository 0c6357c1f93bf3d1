import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32Decode, hotp, totp, totpStep } from '../src/providers/synology/dsm/totp.js';

/** RFC 6238 appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890", 8 digits. */
const RFC_6238_SHA1 = [
  { seconds: 59, code: '94287082' },
  { seconds: 1111111109, code: '07081804' },
  { seconds: 1111111111, code: '14050471' },
  { seconds: 1234567890, code: '89005924' },
  { seconds: 2000000000, code: '69279037' },
  { seconds: 20000000000, code: '65353130' },
];

describe('TOTP (RFC 6238)', () => {
  const seed = Buffer.from('12345678901234567890', 'ascii');

  it.each(RFC_6238_SHA1)('gives $code at T=$seconds s', ({ seconds, code }) => {
    expect(totp(seed, seconds * 1000, 8)).toBe(code);
  });

  it('gives the RFC 4226 HOTP values for the first counters', () => {
    expect([0, 1, 2, 3, 9].map((counter) => hotp(seed, counter))).toEqual(['755224', '287082', '359152', '969429', '520489']);
  });

  it('produces six digits by default, the same code within one 30 s window and a new one in the next', () => {
    const key = base32Decode('JBSWY3DPEHPK3PXP');
    const start = 1_700_000_010_000 - (1_700_000_010_000 % 30_000);
    expect(totp(key, start)).toMatch(/^\d{6}$/);
    expect(totp(key, start + 29_999)).toBe(totp(key, start));
    expect(totpStep(start + 30_000)).toBe(totpStep(start) + 1);
    expect(totp(key, start + 30_000)).toBe(hotp(key, totpStep(start) + 1));
  });
});

describe('base32 decoding', () => {
  it('decodes the RFC 4648 test vectors', () => {
    expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(base32Decode('MY======').toString()).toBe('f');
    expect(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ').toString()).toBe('12345678901234567890');
  });

  it('accepts lower case, spaces and dashes as authenticator apps show secrets', () => {
    expect(base32Decode('mzxw 6ytb-oi').toString()).toBe('foobar');
  });

  it('agrees with a direct HMAC-SHA1 of the decoded key', () => {
    const key = base32Decode('JBSWY3DPEHPK3PXP');
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(1n);
    const mac = createHmac('sha1', key).update(counter).digest();
    const offset = (mac.at(-1) ?? 0) & 0x0f;
    expect(hotp(key, 1)).toBe(String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0'));
  });

  it('refuses characters outside the alphabet and empty secrets', () => {
    expect(() => base32Decode('ABC1')).toThrow(/not valid base32/);
    expect(() => base32Decode('  ==')).toThrow(/empty/);
  });
});
