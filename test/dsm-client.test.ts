import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DsmClient } from '../src/providers/synology/dsm/client.js';
import { totp } from '../src/providers/synology/dsm/totp.js';
import { base32Decode } from '../src/providers/synology/dsm/totp.js';
import { OperationError } from '../src/errors.js';
import { redactText } from '../src/safety/redact.js';
import { DEMO_USER } from '../src/providers/synology/simulator/index.js';
import { capturingLogger, client, GUEST, GUEST_ACTION, guestId, onCleanup, requestsTo, simulator } from './dsm-helpers.js';

const AUTH = 'SYNO.API.Auth';
const OTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const OTP_USER = { account: 'ops', password: 'ops-password-1', otpSecret: OTP_SECRET };

async function rejection(promise: Promise<unknown>): Promise<OperationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OperationError);
  return error as OperationError;
}

/** A pass-through HTTP proxy in front of the simulator that records the headers of each request. */
async function headerRecordingProxy(target: string): Promise<{ url: string; seen: Array<{ path: string; headers: IncomingHttpHeaders }> }> {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((request, response) => {
    seen.push({ path: request.url ?? '', headers: request.headers });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const contentType = request.headers['content-type'];
      fetch(`${target}${request.url ?? ''}`, {
        method: request.method ?? 'GET',
        ...(contentType === undefined ? {} : { headers: { 'content-type': contentType } }),
        ...(request.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
      })
        .then(async (upstream) => response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text()))
        .catch((error: unknown) => response.writeHead(502).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('DSM client: discovery', () => {
  it('reads the API map from SYNO.API.Info and logs in at entry.cgi version 7 on DSM 7', async () => {
    const sim = await simulator({ dsmVersion: 7 });
    const dsm = client(sim.url);
    const apis = await dsm.discover();
    expect(apis.get(AUTH)).toMatchObject({ path: 'entry.cgi', minVersion: 1, maxVersion: 7 });
    expect(apis.get(GUEST)).toMatchObject({ path: 'entry.cgi', maxVersion: 1, requestFormat: 'JSON' });
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    const [login] = requestsTo(sim, AUTH, 'login');
    expect(login).toMatchObject({ cgi: 'entry.cgi', params: { version: '7' } });
  });

  it('logs in at auth.cgi version 6 on DSM 6', async () => {
    const sim = await simulator({ dsmVersion: 6 });
    const dsm = client(sim.url);
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    const [login] = requestsTo(sim, AUTH, 'login');
    expect(login).toMatchObject({ cgi: 'auth.cgi', params: { version: '6' } });
  });

  it('asks SYNO.API.Info once for concurrent callers and caches the answer', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    await Promise.all(Array.from({ length: 10 }, () => dsm.discover()));
    await dsm.hasApi(GUEST);
    expect(requestsTo(sim, 'SYNO.API.Info')).toHaveLength(1);
  });

  it('tells which guest API family the box offers', async () => {
    const sim = await simulator({ style: 'compact' });
    const dsm = client(sim.url);
    expect(await dsm.hasApi(GUEST)).toBe(false);
    expect(await dsm.hasApi('SYNO.Virtualization.API.Task.Info')).toBe(true);
  });

  it("falls back to the guide's auth.cgi version 3 when SYNO.API.Info fails, and warns", async () => {
    const sim = await simulator({ dsmVersion: 6 });
    sim.faults.failNext(10, { kind: 'http500', match: { api: 'SYNO.API.Info' } });
    const { logger, lines } = capturingLogger();
    const dsm = client(sim.url, { logger });
    const data = await dsm.call<{ guests: unknown[] }>(GUEST, 'list', {}, { kind: 'read' });
    expect(data.guests.length).toBeGreaterThan(0);
    expect(requestsTo(sim, AUTH, 'login')[0]).toMatchObject({ cgi: 'auth.cgi', params: { version: '3' } });
    expect(requestsTo(sim, GUEST, 'list')[0]).toMatchObject({ cgi: 'entry.cgi', params: { version: '1' } });
    expect(lines.join('')).toMatch(/API discovery .* failed .*auth\.cgi version 3/);
  });

  it('refuses an API the box does not list without sending it', async () => {
    const sim = await simulator({ style: 'compact' });
    const dsm = client(sim.url);
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error.kind).toBe('unsupported');
    expect(error.message).toContain(GUEST);
    expect(requestsTo(sim, GUEST)).toHaveLength(0);
  });
});

describe('DSM client: login and logout', () => {
  it('logs in once, reuses the session for every call and logs out on close', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    expect(dsm.sessionLive).toBe(false);
    await Promise.all([1, 2, 3].map(() => dsm.call(GUEST, 'list', {}, { kind: 'read' })));
    expect(sim.stats.logins).toBe(1);
    expect(dsm.stats.logins).toBe(1);
    expect(dsm.sessionLive).toBe(true);
    await dsm.close();
    await dsm.close();
    expect(sim.stats.logouts).toBe(1);
    expect(sim.liveSessions).toBe(0);
    expect(dsm.sessionLive).toBe(false);
    const [logout] = requestsTo(sim, AUTH, 'logout');
    expect(logout?.params._sid).toMatch(/\w{8,}/);
    expect(logout?.params.session).toBe(requestsTo(sim, AUTH, 'login')[0]?.params.session);
    await expect(dsm.call(GUEST, 'list', {}, { kind: 'read' })).rejects.toThrow(/closed/);
  });

  it('sends the password only in a POST body, with format=sid and a SynoToken request', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    const [login] = requestsTo(sim, AUTH, 'login');
    expect(login?.httpMethod).toBe('POST');
    expect(login?.queryKeys).not.toContain('passwd');
    expect(login?.params).toMatchObject({ account: 'admin', passwd: '[masked]', format: 'sid', enable_syno_token: 'yes' });
  });

  it('sends the SynoToken as X-SYNO-TOKEN on every request after login', async () => {
    const sim = await simulator();
    const proxy = await headerRecordingProxy(sim.url);
    const dsm = client(proxy.url);
    const id = await guestId(dsm, 'win10');
    await dsm.call(GUEST, 'set', { guest_id: id, description: 'token' }, { kind: 'write' });
    const [discovery, login, list, set] = proxy.seen;
    expect(discovery?.headers['x-syno-token']).toBeUndefined();
    expect(login?.headers['x-syno-token']).toBeUndefined();
    expect(list?.headers['x-syno-token']).toMatch(/^[\w-]{16}$/);
    expect(set?.headers['x-syno-token']).toBe(list?.headers['x-syno-token']);
    expect(redactText(String(list?.headers['x-syno-token']))).toBe('[redacted]');
  });

  it('gives each client its own session name unless one is given', async () => {
    const sim = await simulator();
    const first = client(sim.url);
    const second = client(sim.url);
    const named = client(sim.url, { sessionName: 'my-session' });
    await Promise.all([first, second, named].map((dsm) => dsm.call(GUEST, 'list', {}, { kind: 'read' })));
    const names = requestsTo(sim, AUTH, 'login').map((request) => request.params.session);
    expect(new Set(names).size).toBe(3);
    expect(names).toContain('my-session');
    expect(names.filter((name) => name?.startsWith(`vmm-mcp-${process.pid}-`))).toHaveLength(2);
    expect(sim.liveSessions).toBe(3);
  });

  it('keeps the sid out of every message: it is registered as a secret', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    const sid = requestsTo(sim, GUEST, 'list')[0]?.params._sid ?? '';
    expect(sid.length).toBeGreaterThan(8);
    expect(redactText(`sid=${sid}`)).toBe('sid=[redacted]');
    expect(redactText(`pw ${DEMO_USER.password}`)).toBe('pw [redacted]');
  });

  it('reports a wrong password as kind auth (400) naming the settings to check', async () => {
    const sim = await simulator();
    const dsm = client(sim.url, { password: 'not-the-password' });
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error.kind).toBe('auth');
    expect(error.dsm?.code).toBe(400);
    expect(error.message).toMatch(/account "admin".*incorrect password/);
    expect(error.message).not.toContain('not-the-password');
    expect(error.next).toMatch(/VMM_PASSWORD/);
    expect(dsm.sessionLive).toBe(false);
  });

  it('does not try a wrong password again, to keep the account clear of DSM auto-block', async () => {
    const sim = await simulator();
    const dsm = client(sim.url, { password: 'not-the-password' });
    const first = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    const second = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(second).toBe(first);
    expect(requestsTo(sim, AUTH, 'login')).toHaveLength(1);
  });

  it('reports a disabled account (401) and a denied one (402) as auth errors', async () => {
    const sim = await simulator({
      users: [
        { account: 'gone', password: 'pw-gone-1', disabled: true },
        { account: 'guest', password: 'pw-guest-1', permissionDenied: true },
      ],
    });
    const disabled = await rejection(client(sim.url, { username: 'gone', password: 'pw-gone-1' }).call(GUEST, 'list', {}, { kind: 'read' }));
    expect(disabled).toMatchObject({ kind: 'auth', dsm: { code: 401, meaning: 'Account disabled.' } });
    const denied = await rejection(client(sim.url, { username: 'guest', password: 'pw-guest-1' }).call(GUEST, 'list', {}, { kind: 'read' }));
    expect(denied).toMatchObject({ kind: 'auth', dsm: { code: 402 } });
    expect(denied.message).toMatch(/Permission denied/);
  });

  it('asks for VMM_OTP_SECRET or VMM_DEVICE_ID when the account has 2-step verification (403)', async () => {
    const sim = await simulator({ users: [OTP_USER] });
    const dsm = client(sim.url, { username: OTP_USER.account, password: OTP_USER.password });
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error).toMatchObject({ kind: 'auth', dsm: { code: 403, details: ['type: otp'] } });
    expect(error.next).toMatch(/VMM_OTP_SECRET/);
    expect(error.next).toMatch(/VMM_DEVICE_ID/);
    expect(error.message).not.toMatch(/token/i);
  });

  it('logs in with a code computed from the TOTP secret', async () => {
    const sim = await simulator({ users: [OTP_USER] });
    const dsm = client(sim.url, { username: OTP_USER.account, password: OTP_USER.password, otpSecret: OTP_SECRET });
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    expect(sim.stats.logins).toBe(1);
    expect(requestsTo(sim, AUTH, 'login')[0]?.params.otp_code).toBe('[masked]');
  });

  it('reports a rejected code (404) telling to check the secret and the clock', async () => {
    const sim = await simulator({ users: [OTP_USER] });
    const dsm = client(sim.url, { username: OTP_USER.account, password: OTP_USER.password, otpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error).toMatchObject({ kind: 'auth', dsm: { code: 404 } });
    expect(error.next).toMatch(/VMM_OTP_SECRET/);
    expect(error.next).toMatch(/clock/);
  });

  it('logs in with a device id instead of a code', async () => {
    const sim = await simulator({ users: [OTP_USER] });
    const form = new URLSearchParams({
      api: AUTH, version: '7', method: 'login', account: OTP_USER.account, passwd: OTP_USER.password, format: 'sid',
      session: 'device-registration', otp_code: totp(base32Decode(OTP_SECRET), Date.now()), enable_device_token: 'yes', device_name: 'vmm-mcp',
    });
    const registration = await fetch(`${sim.url}/webapi/entry.cgi`, { method: 'POST', body: form });
    const { data } = (await registration.json()) as { data: { device_id: string } };
    const dsm = client(sim.url, { username: OTP_USER.account, password: OTP_USER.password, deviceId: data.device_id });
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    expect(dsm.stats.logins).toBe(1);
    const sent = requestsTo(sim, AUTH, 'login')[1]?.params;
    expect(sent).toMatchObject({ device_id: '[masked]', device_name: 'vmm-mcp' });
    expect(sent?.otp_code).toBeUndefined();
    expect(redactText(data.device_id)).toBe('[redacted]');
  });

  it('asks for a device token on the login with a code, and a remembered device skips the code on the next login', async () => {
    const sim = await simulator({ users: [OTP_USER] });
    const dsm = client(sim.url, { username: OTP_USER.account, password: OTP_USER.password, otpSecret: OTP_SECRET });
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    sim.faults.expireAllSessions();
    // Within the same 30 s window: a second code would be refused (404) or waited for; the device token needs neither.
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    expect(dsm.stats.logins).toBe(2);
    const [withCode, withDevice] = requestsTo(sim, AUTH, 'login').map((request) => request.params);
    expect(withCode).toMatchObject({ otp_code: '[masked]', enable_device_token: 'yes', device_name: 'vmm-mcp' });
    expect(withCode?.device_id).toBeUndefined();
    expect(withDevice).toMatchObject({ device_id: '[masked]', device_name: 'vmm-mcp' });
    expect(withDevice?.otp_code).toBeUndefined();
  });

  it('falls back to a code once when DSM no longer trusts the device token', async () => {
    const sim = await simulator({ users: [OTP_USER] });
    const dsm = client(sim.url, { username: OTP_USER.account, password: OTP_USER.password, otpSecret: OTP_SECRET, deviceId: 'revoked-device-token' });
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    const logins = requestsTo(sim, AUTH, 'login').map((request) => request.params);
    expect(logins).toHaveLength(2);
    expect(logins[0]).toMatchObject({ device_id: '[masked]' });
    expect(logins[1]).toMatchObject({ otp_code: '[masked]', enable_device_token: 'yes' });
  });

  it('reports the login codes 406-410 with their meaning and what to change', async () => {
    const sim = await simulator({ users: [{ account: 'expired', password: 'expired-pw-1', loginRefusal: 409 }] });
    const error = await rejection(client(sim.url, { username: 'expired', password: 'expired-pw-1' }).call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error).toMatchObject({ kind: 'auth', dsm: { code: 409 } });
    expect(error.message).toContain('The password has expired');
    expect(error.next).toContain('VMM_PASSWORD');
  });
});

describe('DSM client: session expiry', () => {
  it('re-logs in once when 119 arrives during 20 concurrent calls, and no call fails', async () => {
    const sim = await simulator({ expiryCode: 119 });
    const dsm = client(sim.url);
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    sim.faults.expireAllSessions();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => dsm.call(GUEST, 'list', {}, { kind: 'read' })));
    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(sim.stats.logins).toBe(2);
    expect(dsm.stats.logins).toBe(2);
    expect(dsm.sessionLive).toBe(true);
  });

  it('lets a call that hits the old sid after the re-login take the new session without another login', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    sim.faults.expireAllSessions();
    // The get's first attempt is dropped; its retry (after backoff) still carries the old sid and
    // reaches DSM after the list has already logged in again.
    sim.faults.failNext(1, { kind: 'drop', match: { api: GUEST, method: 'get' } });
    const [byName] = await Promise.all([
      dsm.call<{ guest_name: string }>(GUEST, 'get', { guest_name: 'win10' }, { kind: 'read' }),
      dsm.call(GUEST, 'list', {}, { kind: 'read' }),
    ]);
    expect(byName.guest_name).toBe('win10');
    const gets = requestsTo(sim, GUEST, 'get');
    expect(gets).toHaveLength(3);
    expect(gets[1]?.params._sid).toBe(gets[0]?.params._sid);
    expect(gets[2]?.params._sid).not.toBe(gets[0]?.params._sid);
    expect(sim.stats.logins).toBe(2);
  });

  it('repeats a write once after 106: an expired session means DSM did nothing', async () => {
    const sim = await simulator({ expiryCode: 106 });
    const dsm = client(sim.url);
    const id = await guestId(dsm, 'win10');
    sim.faults.expireAllSessions();
    await dsm.call(GUEST, 'set', { guest_id: id, description: 'after expiry' }, { kind: 'write' });
    expect([...sim.state.vms.values()].find((vm) => vm.id === id)?.description).toBe('after expiry');
    expect(requestsTo(sim, GUEST, 'set')).toHaveLength(2);
    expect(dsm.stats.logins).toBe(2);
  });

  it('logs in again after being kicked by a duplicate login with the same session name (107), on a box set to kick', async () => {
    const sim = await simulator({ duplicateLoginKicks: true });
    const first = client(sim.url, { sessionName: 'shared-name' });
    const second = client(sim.url, { sessionName: 'shared-name' });
    await first.call(GUEST, 'list', {}, { kind: 'read' });
    await second.call(GUEST, 'list', {}, { kind: 'read' });
    await first.call(GUEST, 'list', {}, { kind: 'read' });
    expect(first.stats.logins).toBe(2);
    expect(first.stats.retries).toBe(1);
  });

  it('treats 105 as missing permission, not as an expired session', async () => {
    const sim = await simulator({ users: [{ account: 'viewer', password: 'viewer-pw-1', vmmAccess: false }] });
    const dsm = client(sim.url, { username: 'viewer', password: 'viewer-pw-1' });
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error).toMatchObject({ kind: 'backend', dsm: { code: 105 } });
    expect(error.next).toMatch(/administrators/);
    expect(sim.stats.logins).toBe(1);
  });
});

describe('DSM client: VMM errors', () => {
  it('returns 904 with its meaning when powering on a running VM', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const error = await rejection(dsm.call(GUEST_ACTION, 'poweron', { guest_name: 'web-01' }, { kind: 'write' }));
    expect(error).toMatchObject({ kind: 'backend', dsm: { code: 904, api: GUEST_ACTION, method: 'poweron' } });
    expect(error.message).toMatch(/already running/);
    expect(error.message).toMatch(/guest web-01 is running/);
    expect(error.outcomeUnknown).toBe(false);
  });

  it('reads 403 from a VMM API as a name conflict, not as 2-step verification', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const error = await rejection(dsm.call(GUEST, 'set', { guest_name: 'win10', new_guest_name: 'web-01' }, { kind: 'write' }));
    expect(error).toMatchObject({ kind: 'backend', dsm: { code: 403, meaning: 'Name conflict.' } });
    expect(error.next).toMatch(/name/);
  });

  it('shows the bad parameter DSM names in error.errors (401)', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const error = await rejection(dsm.call(GUEST, 'set', { guest_name: 'win10', vcpu_num: 'many' }, { kind: 'write' }));
    expect(error.dsm).toMatchObject({ code: 401, meaning: 'Bad parameter.' });
    expect(error.message).toMatch(/name: vcpu_num/);
  });
});

describe('DSM client: encoding round trips', () => {
  it.each([
    'web server 01',
    'a,b,c',
    'say "hi" and \'bye\'',
    'C:\\vms\\back\\\\slash',
    'rocket 🚀 東京 café',
    'plus+amp&eq=percent%20',
  ])('renames a VM to %j and reads the same name back', async (name) => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const id = await guestId(dsm, 'win10');
    await dsm.call(GUEST, 'set', { guest_id: id, new_guest_name: name }, { kind: 'write' });
    const byId = await dsm.call<{ guest_name: string }>(GUEST, 'get', { guest_id: id }, { kind: 'read' });
    expect(byId.guest_name).toBe(name);
    const byName = await dsm.call<{ guest_id: string }>(GUEST, 'get', { guest_name: name }, { kind: 'read' });
    expect(byName.guest_id).toBe(id);
  });

  it('refuses a parameter it cannot encode as invalid input, without sending the call', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const error = await rejection(dsm.call(GUEST, 'set', { guest_name: 'win10', vcpu_num: Number.NaN }, { kind: 'write' }));
    expect(error).toMatchObject({ kind: 'invalid_input', outcomeUnknown: false });
    expect(error.message).toMatch(/vcpu_num/);
    expect(requestsTo(sim, GUEST, 'set')).toHaveLength(0);
  });

  it('sends reads as GET query strings and writes as POST form bodies', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const id = await guestId(dsm, 'win10');
    await dsm.call(GUEST, 'set', { guest_id: id, description: 'x', autorun: 1 }, { kind: 'write' });
    const [list] = requestsTo(sim, GUEST, 'list');
    const [set] = requestsTo(sim, GUEST, 'set');
    expect(list).toMatchObject({ httpMethod: 'GET', params: { api: GUEST, version: '1', method: 'list' } });
    expect(list?.queryKeys).toContain('_sid');
    expect(set).toMatchObject({ httpMethod: 'POST', queryKeys: [], params: { autorun: '1', description: 'x' } });
    expect(set?.params._sid).toBe(list?.params._sid);
  });
});

describe('DSM client: options', () => {
  it('refuses a URL that is not http(s)', () => {
    expect(() => new DsmClient({ url: 'ftp://nas', username: 'a', password: 'b' })).toThrow(/https:\/\/ or http:\/\//);
    expect(() => new DsmClient({ url: 'nas:5001', username: 'a', password: 'b' })).toThrow(OperationError);
  });

  it('refuses an OTP secret that is not base32', () => {
    expect(() => new DsmClient({ url: 'http://127.0.0.1:1', username: 'a', password: 'b', otpSecret: 'not base32!' })).toThrow(/base32/);
  });
});
