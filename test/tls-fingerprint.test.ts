import { describe, expect, it } from 'vitest';
import { parseFingerprint } from '../src/http/tls.js';

const HEX = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CANONICAL = HEX.toUpperCase().match(/../g)?.join(':');

describe('TLS fingerprint parsing', () => {
  it('accepts hex without colons in any case', () => {
    expect(parseFingerprint(HEX)).toBe(CANONICAL);
    expect(parseFingerprint(HEX.toUpperCase())).toBe(CANONICAL);
  });

  it('accepts colon-separated pairs as openssl prints them', () => {
    expect(parseFingerprint(CANONICAL ?? '')).toBe(CANONICAL);
    expect(parseFingerprint(` ${CANONICAL?.toLowerCase()} `)).toBe(CANONICAL);
  });

  it('refuses a SHA-1 length fingerprint or non-hex text, naming the setting', () => {
    expect(() => parseFingerprint(HEX.slice(0, 40))).toThrow(expect.objectContaining({ kind: 'invalid_input' }));
    expect(() => parseFingerprint(HEX.replace('a', 'g'))).toThrow(/SHA-256/);
    expect(() => parseFingerprint('nope')).toThrow(expect.objectContaining({ next: expect.stringContaining('VMM_TLS_FINGERPRINT') }));
  });
});
