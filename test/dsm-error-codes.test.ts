import { describe, expect, it } from 'vitest';
import {
  AUTH_ERRORS,
  COMMON_ERRORS,
  dsmError,
  flattenErrorDetails,
  lookupDsmError,
  SESSION_EXPIRED_CODES,
  VMM_ERRORS,
} from '../src/providers/synology/dsm/error-codes.js';

const GUEST = 'SYNO.Virtualization.API.Guest';

/** The codes of the tables in the official VMM API guide (seed 002), plus 107 and 119 from the backend notes. */
const GUIDE_COMMON = [101, 102, 103, 104, 105, 106, 107, 119];
const GUIDE_AUTH = [400, 401, 402, 403, 404];
/** DSM's login codes beyond the VMM guide: 2-step enforcement, blocked IP and password expiry (backend notes). */
const DSM_LOGIN = [406, 407, 408, 409, 410];
const GUIDE_VMM = [401, 402, 403, 404, 500, 501, 600, 601, 700, 900, 901, 902, 903, 904, 905, 906, 907, 908, 909, 910, 911, 1000, 1001, 1400, 1600];

describe('DSM error table', () => {
  it('has a meaning for every code of the guide, in its scope', () => {
    for (const code of GUIDE_COMMON) expect(COMMON_ERRORS[code]?.meaning, `common ${code}`).toMatch(/\w/);
    for (const code of [...GUIDE_AUTH, ...DSM_LOGIN]) expect(AUTH_ERRORS[code]?.meaning, `auth ${code}`).toMatch(/\w/);
    for (const code of GUIDE_VMM) expect(VMM_ERRORS[code]?.meaning, `vmm ${code}`).toMatch(/\w/);
  });

  it('reads 401-404 differently for SYNO.API.Auth and for VMM APIs', () => {
    expect(lookupDsmError(401, 'SYNO.API.Auth')?.meaning).toMatch(/disabled/i);
    expect(lookupDsmError(401, GUEST)?.meaning).toMatch(/bad parameter/i);
    expect(lookupDsmError(403, 'SYNO.API.Auth')?.meaning).toMatch(/2-step/);
    expect(lookupDsmError(403, GUEST)?.meaning).toMatch(/name conflict/i);
  });

  it('gives each of the login codes 406-410 its meaning and a next step that names what to change', () => {
    expect(lookupDsmError(406, 'SYNO.API.Auth')?.meaning).toMatch(/2-step verification is enforced/);
    expect(lookupDsmError(406, 'SYNO.API.Auth')?.next).toContain('VMM_OTP_SECRET');
    expect(lookupDsmError(407, 'SYNO.API.Auth')?.meaning).toMatch(/block/i);
    for (const code of [408, 409, 410]) {
      expect(lookupDsmError(code, 'SYNO.API.Auth')?.meaning, String(code)).toMatch(/password/i);
      expect(lookupDsmError(code, 'SYNO.API.Auth')?.next, String(code)).toContain('VMM_PASSWORD');
    }
    expect(dsmError(409, 'SYNO.API.Auth', 'login', undefined).kind).toBe('auth');
  });

  it('falls back to the common codes for any API', () => {
    expect(lookupDsmError(105, GUEST)).toMatchObject({ scope: 'common', meaning: expect.stringMatching(/permission/) });
    expect(lookupDsmError(119, 'SYNO.API.Auth')?.scope).toBe('common');
    expect(lookupDsmError(903, 'SYNO.API.Info')).toBeUndefined();
  });

  it('treats 106, 107 and 119 as session expiry but not 105', () => {
    expect([...SESSION_EXPIRED_CODES].sort()).toEqual([106, 107, 119]);
    expect(SESSION_EXPIRED_CODES.has(105)).toBe(false);
  });

  it('says what to do about insufficient memory (903)', () => {
    const error = dsmError(903, 'SYNO.Virtualization.API.Guest.Action', 'poweron', undefined);
    expect(error.kind).toBe('backend');
    expect(error.message).toContain('903');
    expect(error.next).toMatch(/another host/);
    expect(error.next).toMatch(/ram_mb/);
    expect(error.dsm).toEqual({
      code: 903,
      api: 'SYNO.Virtualization.API.Guest.Action',
      method: 'poweron',
      meaning: VMM_ERRORS[903]?.meaning,
      details: [],
    });
  });

  it('makes login refusals kind auth and VMM failures kind backend', () => {
    expect(dsmError(400, 'SYNO.API.Auth', 'login', undefined).kind).toBe('auth');
    expect(dsmError(400, GUEST, 'get', undefined).kind).toBe('backend');
  });

  it('describes an unknown code with the code, api and method', () => {
    const error = dsmError(4242, GUEST, 'set', undefined);
    expect(error.message).toContain('4242');
    expect(error.message).toContain(GUEST);
    expect(error.message).toContain('set');
    expect(error.next).toMatch(/log/i);
  });

  it('shows error.errors detail strings in the message', () => {
    const error = dsmError(401, GUEST, 'create', [{ name: 'vcpu_num', reason: 'unexpected parameter' }]);
    expect(error.message).toContain('name: vcpu_num');
    expect(error.message).toContain('reason: unexpected parameter');
    expect(error.dsm?.details).toEqual(['name: vcpu_num', 'reason: unexpected parameter']);
  });

  it('leaves secret-named fields such as the 403 login token out of the details', () => {
    const details = flattenErrorDetails({ token: 'AbCdEf123456', types: [{ type: 'otp' }] });
    expect(details).toEqual(['type: otp']);
    expect(flattenErrorDetails('plain text')).toEqual(['plain text']);
    expect(flattenErrorDetails(undefined)).toEqual([]);
  });
});
