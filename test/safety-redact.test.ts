import { describe, expect, it } from 'vitest';
import { forgetSecret, isSecretKey, redact, redactText, registerSecret } from '../src/safety/redact.js';

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
});
