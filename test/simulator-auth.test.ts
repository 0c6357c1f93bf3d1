import { afterEach, describe, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../src/providers/synology/dsm/totp.js';
import type { SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { fastSimulator, getApi, login, postApi, vmm } from './simulator-helpers.js';

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const HOSTS = 'SYNO.Virtualization.API.Host';
const OTP_SECRET = 'JBSWY3DPEHPK3PXP';
const OTP_USER = { account: 'ops', password: 'ops-password', otpSecret: OTP_SECRET };

function loginParams(extra: Record<string, string>): Record<string, string> {
  return { api: 'SYNO.API.Auth', version: '7', method: 'login', session: 'test', format: 'sid', ...extra };
}

function currentCode(offsetSteps = 0): string {
  return hotp(base32Decode(OTP_SECRET), totpStep(Date.now()) + offsetSteps);
}

describe('simulator TOTP', () => {
  it('computes the RFC 6238 SHA-1 test vector at T=59 (last six digits of 94287082)', () => {
    expect(hotp(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), totpStep(59_000))).toBe('287082');
  });
});

describe('simulator login and logout', () => {
  it('answers 400 to a wrong password and to an unknown account', async () => {
    sim = await fastSimulator();
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'admin', passwd: 'wrong' }))).error).toEqual({ code: 400 });
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'nobody', passwd: 'vmm-demo-password' }))).error).toEqual({ code: 400 });
    expect(sim.stats.logins).toBe(0);
  });

  it('answers 401 for a disabled account and 402 for an account without permission', async () => {
    sim = await fastSimulator({
      users: [
        { account: 'gone', password: 'pw-gone', disabled: true },
        { account: 'guest', password: 'pw-guest', permissionDenied: true },
      ],
    });
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'gone', passwd: 'pw-gone' }))).error?.code).toBe(401);
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'guest', passwd: 'pw-guest' }))).error?.code).toBe(402);
  });

  it('answers 105 to VMM calls of an account without VMM permission, which is not an expiry', async () => {
    sim = await fastSimulator({ users: [{ account: 'viewer', password: 'pw-viewer', vmmAccess: false }] });
    const sid = await login(sim, { account: 'viewer', passwd: 'pw-viewer' });
    expect((await vmm(sim, sid, HOSTS, 'list')).error?.code).toBe(105);
  });

  it('masks passwd, otp_code and device_id in the request log', async () => {
    sim = await fastSimulator();
    await login(sim, { otp_code: '123456', device_id: 'some-device' });
    const recorded = sim.stats.requests.at(-1);
    expect(recorded?.params).toMatchObject({ passwd: '[masked]', otp_code: '[masked]', device_id: '[masked]', account: 'admin' });
    expect(JSON.stringify(sim.stats.requests)).not.toContain('vmm-demo-password');
    expect(recorded).toMatchObject({ cgi: 'entry.cgi', httpMethod: 'POST', queryKeys: [] });
  });

  it('returns a SynoToken only when asked with enable_syno_token=yes', async () => {
    sim = await fastSimulator();
    const plain = await postApi(sim, 'entry.cgi', loginParams({ account: 'admin', passwd: 'vmm-demo-password' }));
    const withToken = await postApi(sim, 'entry.cgi', loginParams({ account: 'admin', passwd: 'vmm-demo-password', session: 'other', enable_syno_token: 'yes' }));
    expect(plain.data.synotoken).toBeUndefined();
    expect(withToken.data.synotoken).toEqual(expect.any(String));
  });

  it('sets the id cookie for format=cookie and accepts the cookie in place of _sid', async () => {
    sim = await fastSimulator();
    const response = await fetch(`${sim.url}/webapi/entry.cgi`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api: 'SYNO.API.Auth', version: '7', method: 'login', account: 'admin', passwd: 'vmm-demo-password', format: 'cookie' }).toString(),
    });
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^id=[^;]+;/);
    const hosts = await fetch(`${sim.url}/webapi/entry.cgi?api=${HOSTS}&version=1&method=list`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    const answer = (await hosts.json()) as { success: boolean; data: { hosts: unknown[] } };
    expect(answer.success).toBe(true);
    expect(answer.data.hosts).toHaveLength(2);
  });

  it('keeps the session when logout comes without a sid, and ends it with one', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    expect(await postApi(sim, 'entry.cgi', { api: 'SYNO.API.Auth', version: '7', method: 'logout', session: 'test' })).toEqual({ success: true });
    expect((await vmm(sim, sid, HOSTS, 'list')).success).toBe(true);
    expect(sim.stats.logouts).toBe(0);
    expect(await postApi(sim, 'entry.cgi', { api: 'SYNO.API.Auth', version: '7', method: 'logout', session: 'test', _sid: sid })).toEqual({ success: true });
    expect(sim.stats.logouts).toBe(1);
    expect(sim.liveSessions).toBe(0);
    expect((await vmm(sim, sid, HOSTS, 'list')).error?.code).toBe(119);
  });

  it('accepts auth.cgi version 3 on DSM 7 for old clients, but not at entry.cgi on DSM 6', async () => {
    sim = await fastSimulator();
    const legacy = await getApi(sim, 'auth.cgi', { ...loginParams({ account: 'admin', passwd: 'vmm-demo-password' }), version: '3' });
    expect(legacy.success).toBe(true);
    await sim.close();
    sim = await fastSimulator({ dsmVersion: 6 });
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'admin', passwd: 'vmm-demo-password' }))).error?.code).toBe(102);
    expect((await postApi(sim, 'auth.cgi', { ...loginParams({ account: 'admin', passwd: 'vmm-demo-password' }), version: '6' })).success).toBe(true);
  });
});

describe('simulator 2-step verification', () => {
  it('asks for the OTP with 403 and its types, rejects a wrong code with 404, and accepts the current code', async () => {
    sim = await fastSimulator({ users: [OTP_USER] });
    const missing = await postApi(sim, 'entry.cgi', loginParams({ account: 'ops', passwd: 'ops-password' }));
    expect(missing.error?.code).toBe(403);
    expect(missing.error?.errors).toMatchObject({ types: [{ type: 'otp' }], token: expect.any(String) });
    const wrongCode = String((Number(currentCode()) + 1) % 1_000_000).padStart(6, '0');
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'ops', passwd: 'ops-password', otp_code: wrongCode }))).error?.code).toBe(404);
    const accepted = await postApi(sim, 'entry.cgi', loginParams({ account: 'ops', passwd: 'ops-password', otp_code: currentCode() }));
    expect(accepted.success).toBe(true);
  });

  it('rejects a code already used in its window with 404, and accepts the next step', async () => {
    sim = await fastSimulator({ users: [OTP_USER] });
    const code = currentCode();
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'ops', passwd: 'ops-password', otp_code: code }))).success).toBe(true);
    const reused = await postApi(sim, 'entry.cgi', loginParams({ account: 'ops', passwd: 'ops-password', otp_code: code, session: 'again' }));
    expect(reused.error?.code).toBe(404);
    // One step of clock drift is accepted, so the code of the next window works at once.
    const next = await postApi(sim, 'entry.cgi', loginParams({ account: 'ops', passwd: 'ops-password', otp_code: currentCode(1), session: 'again' }));
    expect(next.success).toBe(true);
  });

  it('issues a device token (device_id on v7) that skips the OTP on the next login of the same account', async () => {
    sim = await fastSimulator({ users: [OTP_USER, { ...OTP_USER, account: 'other' }] });
    const first = await postApi(sim, 'entry.cgi', loginParams({
      account: 'ops', passwd: 'ops-password', otp_code: currentCode(), enable_device_token: 'yes', device_name: 'vmm-mcp',
    }));
    expect(first.data.did).toBeUndefined();
    const did = first.data.device_id as string;
    expect(did).toEqual(expect.any(String));
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'ops', passwd: 'ops-password', device_id: did, session: 's2' }))).success).toBe(true);
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'other', passwd: 'ops-password', device_id: did }))).error?.code).toBe(403);
    expect((await postApi(sim, 'entry.cgi', loginParams({ account: 'ops', passwd: 'ops-password', device_id: 'forged' }))).error?.code).toBe(403);
  });
});

describe('simulator session expiry', () => {
  it('answers 119 without a sid and for a sid it never issued', async () => {
    sim = await fastSimulator();
    expect((await postApi(sim, 'entry.cgi', { api: HOSTS, version: '1', method: 'list' })).error?.code).toBe(119);
    expect((await vmm(sim, 'never-issued', HOSTS, 'list')).error?.code).toBe(119);
  });

  it('answers the expiry code to a session idle beyond its lifetime (106 when configured)', async () => {
    sim = await fastSimulator({ sessionTtlMs: 40, expiryCode: 106 });
    const sid = await login(sim);
    expect((await vmm(sim, sid, HOSTS, 'list')).success).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await vmm(sim, sid, HOSTS, 'list')).error?.code).toBe(106);
  });

  it('lets two logins with the same session name coexist, as two browser tabs with webui do', async () => {
    sim = await fastSimulator();
    const first = await login(sim, { session: 'webui' });
    const second = await login(sim, { session: 'webui' });
    expect(first).not.toBe(second);
    expect((await vmm(sim, first, HOSTS, 'list')).success).toBe(true);
    expect((await vmm(sim, second, HOSTS, 'list')).success).toBe(true);
    expect(sim.liveSessions).toBe(2);
  });

  it('kicks the first session with 107 on a duplicate login only where the box is set to', async () => {
    sim = await fastSimulator({ duplicateLoginKicks: true });
    const first = await login(sim, { session: 'shared' });
    const otherName = await login(sim, { session: 'separate' });
    const second = await login(sim, { session: 'shared' });
    expect((await vmm(sim, first, HOSTS, 'list')).error?.code).toBe(107);
    expect((await vmm(sim, second, HOSTS, 'list')).success).toBe(true);
    expect((await vmm(sim, otherName, HOSTS, 'list')).success).toBe(true);
  });

  it('expires every session on request and every n-th authenticated request when told to', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    sim.faults.expireAllSessions();
    expect((await vmm(sim, sid, HOSTS, 'list')).error?.code).toBe(119);
    const fresh = await login(sim);
    sim.faults.expireEvery(3);
    const codes: Array<number | undefined> = [];
    let current = fresh;
    for (let i = 0; i < 4; i += 1) {
      const answer = await vmm(sim, current, HOSTS, 'list');
      codes.push(answer.error?.code);
      if (!answer.success) current = await login(sim);
    }
    expect(codes).toEqual([undefined, undefined, 119, undefined]);
  });
});
