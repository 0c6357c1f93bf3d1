import { describe, expect, it } from 'vitest';
import { forgetSecret, isSecretKey, maskSecrets, redact, redactText, registerSecret } from '../src/safety/redact.js';

describe('redaction', () => {
  it('treats the DSM login and session fields as secret by name', () => {
    for (const key of ['passwd', 'password', 'VMM_PASSWORD', '_sid', 'sid', 'SynoToken', 'X-SYNO-TOKEN', 'otp_code', 'otpSecret', 'device_id', 'deviceId', 'did', 'confirm_token', 'Authorization', 'cookie', 'api_key']) {
      expect(isSecretKey(key), key).toBe(true);
    }
  });

  it('leaves ordinary fields readable', () => {
    for (const key of ['vm', 'name', 'task_id', 'host', 'disks', 'status', 'description', 'did_finish', 'password_file']) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });

  it('masks secret-named keys at any depth and known secret values in any string', () => {
    const otp = 'otp-493817';
    registerSecret(otp);
    try {
      expect(redact({ data: { did: 'device-abc', list: [{ passwd: 'x' }], text: `code ${otp} sent` }, vm: 'web-01' })).toEqual({
        data: { did: '[redacted]', list: [{ passwd: '[redacted]' }], text: 'code [redacted] sent' },
        vm: 'web-01',
      });
    } finally {
      forgetSecret(otp);
    }
    expect(redactText('code otp-493817 sent')).toBe('code otp-493817 sent');
  });

  it('masks a secret in every encoded spelling a backend may echo it in', () => {
    const password = 'p@ss w0rd!&="x\\y';
    registerSecret(password);
    try {
      for (const spelling of [
        password,
        encodeURIComponent(password),
        'p%40ss%20w0rd%21%26%3D%22x%5Cy',
        'p%40ss+w0rd%21%26%3D%22x%5Cy',
        'p%40ss%20w0rd%21%26%3d%22x%5cy',
        JSON.stringify(password).slice(1, -1),
      ]) {
        expect(redactText(`echo passwd=${spelling}&next`), spelling).toBe('echo passwd=[redacted]&next');
      }
    } finally {
      forgetSecret(password);
    }
  });

  it('masks short secrets too instead of skipping them', () => {
    registerSecret('ab1');
    try {
      expect(redactText('code ab1 sent')).toBe('code [redacted] sent');
    } finally {
      forgetSecret('ab1');
    }
  });

  it('cuts values nested deeper than any real answer instead of recursing into them', () => {
    let nested: unknown = 'bottom';
    for (let depth = 0; depth < 5_000; depth++) nested = [nested];
    expect(JSON.stringify(redact({ args: nested }))).toContain('[too deep]');
  });

  it('returns an outgoing message itself when it holds no secret, and a masked copy otherwise, keys included', () => {
    const sid = 'sid-outgoing-0123456789';
    registerSecret(sid);
    try {
      const clean = { jsonrpc: '2.0', id: 1, result: { items: [{ name: 'web-01' }], confirm_token: 'meant-for-the-client' } };
      expect(maskSecrets(clean)).toBe(clean);
      const dirty = { jsonrpc: '2.0', id: 2, error: { code: -32603, message: `failed for _sid=${sid}` }, data: { [sid]: 1 } };
      expect(maskSecrets(dirty)).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'failed for _sid=[redacted]' }, data: { '[redacted]': 1 } });
      expect(dirty.error.message, 'the original is left alone').toContain(sid);
    } finally {
      forgetSecret(sid);
    }
  });
});
