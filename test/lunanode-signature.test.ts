import { describe, expect, it } from 'vitest';
import { endpointOf, partialKeyOf, signRequest } from '../src/providers/lunanode/signature.js';

/*
 * The expected values were computed outside this code, with
 *   printf '%s' "$MESSAGE" | openssl dgst -sha512 -hmac "$KEY"
 * where MESSAGE is `{endpoint}|{req}|{nonce}` exactly as below.
 */
const KEY = ('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_' + '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_').slice(0, 128);
const REQ = '{"api_id":"abcdefghijklmnop","api_partialkey":"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_","region":"toronto"}';

describe('the LunaNode request signature', () => {
  it('is the lowercase hex HMAC-SHA512 of "{category}/{action}/|{req}|{nonce}" keyed with the full key', () => {
    expect(KEY).toHaveLength(128);
    expect(signRequest(KEY, endpointOf('vm', 'list'), REQ, '1764620000')).toBe(
      '3728ef81ef82f4608671a6223fb286ae6157e8b28f37ca84a3987c46b78a8faea2317c326250dea335e0a18c670aac36373e08ec7d7addd9c3c98f6f602075dd',
    );
  });

  it('changes with the nonce', () => {
    expect(signRequest(KEY, 'vm/list/', REQ, '1764620001')).toBe(
      '6a6c74e5fcddfb80de9239f7063c1e9966009559a4612165335818bcae983845e19daf27e4d8d412674e4fb7262ecbd6cda1b18f73d765268184f4786e12b971',
    );
  });

  it('signs the UTF-8 bytes of the req text as sent', () => {
    const req = '{"region":"montreal","name":"débian 12","api_id":"abcdefghijklmnop"}';
    expect(signRequest(KEY, endpointOf('image', 'fetch'), req, '1700000000')).toBe(
      'b3ceda297b6ebebd0fe9d4910cbc94abe3b2d11abca7c3c33e2f75bc382cba50c81baf7f3cddce016bccbbb8202d0968a7889d114bfdcc1be6a660f4b4600fbd',
    );
  });

  it('sends only the first 64 characters of the key as the partial key', () => {
    expect(partialKeyOf(KEY)).toBe('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_');
  });
});
