import { afterEach, describe, expect, it } from 'vitest';
import { base32Decode, hotp, totpStep } from '../src/providers/synology/dsm/totp.js';
import { ManualClock, type SimulatorHandle, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';
import { fastSimulator, getApi, login, postApi, vmm, type DsmAnswer } from './simulator-helpers.js';

/**
 * The simulator answers the exact requests that independent DSM 7 clients send (the Go client behind
 * the Terraform provider, Home Assistant's client, the Python synology-api package), with the answers
 * a real DSM 7 box gives them.
 */

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function started(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  sim = await fastSimulator(options);
  return sim;
}

const PASSWORD = 'vmm-demo-password';
const GUEST = 'SYNO.Virtualization.API.Guest';
const INTERNAL_GUEST = 'SYNO.Virtualization.Guest';
const INTERNAL_ACTION = 'SYNO.Virtualization.Guest.Action';
const OTP_SECRET = 'JBSWY3DPEHPK3PXP';

/** A form POST to any path, as the Go client sends every call. */
async function post(handle: SimulatorHandle, path: string, params: Record<string, string>): Promise<DsmAnswer> {
  const response = await fetch(`${handle.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  expect(response.headers.get('content-type')).toContain('application/json');
  return (await response.json()) as DsmAnswer;
}

describe('the Go client (Terraform provider): every call posted to entry.cgi/<API name>', () => {
  it('logs in at entry.cgi/SYNO.API.Auth v7, lists and gets guests with JSON-quoted strings, and logs out', async () => {
    const box = await started();
    const loggedIn = await post(box, '/webapi/entry.cgi/SYNO.API.Auth', {
      api: 'SYNO.API.Auth', version: '7', method: 'login', account: 'admin', passwd: PASSWORD, session: 'webui', format: 'sid',
    });
    expect(loggedIn.success).toBe(true);
    const sid = loggedIn.data.sid as string;
    const list = await post(box, `/webapi/entry.cgi/${GUEST}`, { api: GUEST, version: '1', method: 'list', _sid: sid });
    expect(list.data.guests.map((guest: { guest_name: string }) => guest.guest_name)).toContain('win10');
    // The API named only by the path, and a string parameter JSON-quoted as the Go client encodes it.
    const got = await post(box, `/webapi/entry.cgi/${GUEST}`, { version: '1', method: 'get', guest_name: '"win10"', _sid: sid });
    expect(got.data).toMatchObject({ guest_name: 'win10', status: 'shutdown', vram_size: 2048 });
    const logout = await post(box, '/webapi/entry.cgi/SYNO.API.Auth', { api: 'SYNO.API.Auth', version: '7', method: 'logout', _sid: sid });
    expect(logout).toEqual({ success: true });
    expect((await post(box, `/webapi/entry.cgi/${GUEST}`, { api: GUEST, version: '1', method: 'list', _sid: sid })).error?.code).toBe(119);
  });

  it('answers a JSON-quoted string with an escaped quote inside as the string it encodes, and leaves other quoted text as it is', async () => {
    const box = await started();
    const sid = await login(box);
    box.state.renameVm(box.state.vmNamed('win10')!, 'say "hi"');
    expect((await vmm(box, sid, GUEST, 'get', { guest_name: JSON.stringify('say "hi"') })).data.guest_name).toBe('say "hi"');
    box.state.renameVm(box.state.vmNamed('say "hi"')!, '"quoted" and more"');
    expect((await vmm(box, sid, GUEST, 'get', { guest_name: '"quoted" and more"' })).data.guest_name).toBe('"quoted" and more"');
  });
});

describe('Home Assistant: SYNO.DSM.Info right after login, then the internal guest family', () => {
  it('discovers DSM.Info, Encryption and both guest families on a DSM 7 box with VMM', async () => {
    const box = await started();
    const info = await getApi(box, 'query.cgi', { api: 'SYNO.API.Info', version: '1', method: 'query', query: 'all' });
    expect(info.data['SYNO.DSM.Info']).toMatchObject({ path: 'entry.cgi', minVersion: 1, maxVersion: 2 });
    expect(info.data['SYNO.API.Encryption']).toMatchObject({ path: 'encryption.cgi', minVersion: 1, maxVersion: 1 });
    expect(info.data[GUEST]).toEqual({ path: 'entry.cgi', minVersion: 1, maxVersion: 1, requestFormat: 'JSON' });
    expect(info.data[INTERNAL_GUEST]).toEqual({ path: 'entry.cgi', minVersion: 1, maxVersion: 2, requestFormat: 'JSON' });
    expect(info.data[INTERNAL_ACTION]).toEqual({ path: 'entry.cgi', minVersion: 1, maxVersion: 1, requestFormat: 'JSON' });
    const encryption = await getApi(box, 'encryption.cgi', { api: 'SYNO.API.Encryption', version: '1', method: 'getinfo', format: 'module' });
    expect(encryption.data).toMatchObject({ cipherkey: '__cIpHeRtExT', ciphertoken: '__cIpHeRtOkEn', public_key: expect.stringMatching(/^[0-9a-f]+$/) });
    expect(encryption.data.server_time).toEqual(expect.any(Number));
  });

  it('lists no internal family on DSM 6, and only the internal one on a box without the official API', async () => {
    const dsm6 = await getApi(await started({ dsmVersion: 6 }), 'query.cgi', { api: 'SYNO.API.Info', version: '1', method: 'query', query: 'SYNO.Virtualization.' });
    expect(Object.keys(dsm6.data)).toContain(GUEST);
    expect(Object.keys(dsm6.data)).not.toContain(INTERNAL_GUEST);
    await sim?.close();
    const internal = await getApi(await started({ style: 'internal' }), 'query.cgi', { api: 'SYNO.API.Info', version: '1', method: 'query', query: 'SYNO.Virtualization.' });
    expect(Object.keys(internal.data)).toEqual(expect.arrayContaining([INTERNAL_GUEST, INTERNAL_ACTION]));
    expect(Object.keys(internal.data)).not.toContain(GUEST);
  });

  it('answers getinfo with model, version and uptime, then list and pwr_ctl in the DSM 7 dialect', async () => {
    const clock = new ManualClock();
    const box = await started({ clock, style: 'internal' });
    const sid = await login(box, { session: 'home_assistant' });
    clock.advance(90_000);
    const dsm = await vmm(box, sid, 'SYNO.DSM.Info', 'getinfo', { version: '2' });
    expect(dsm.data).toMatchObject({ model: expect.any(String), version: expect.any(String), version_string: expect.stringMatching(/^DSM 7\./), uptime: 90 });
    const list = await vmm(box, sid, INTERNAL_GUEST, 'list');
    const web = list.data.guests.find((guest: { name: string }) => guest.name === 'web-01');
    expect(web).toEqual({
      guest_id: box.state.vmNamed('web-01')?.id,
      name: 'web-01',
      desc: 'Public web server',
      status: 'running',
      autorun: 2,
      vcpu_num: 2,
      vram_size: 4096 * 1024,
      ram_used: expect.any(Number),
      vcpu_usage: expect.any(Number),
      repo_id: box.state.storageNamed('nas-01 - VM Storage 1')?.id,
    });
    const win10 = list.data.guests.find((guest: { name: string }) => guest.name === 'win10');
    expect(win10).toMatchObject({ status: 'shutdown', vcpu_usage: '', ram_used: 0, vram_size: 2048 * 1024 });
    expect(win10.host_id).toBeUndefined();
    const on = await vmm(box, sid, INTERNAL_ACTION, 'pwr_ctl', { guest_id: win10.guest_id, action: 'poweron' });
    expect(on).toEqual({ success: true });
    expect(box.state.vmNamed('win10')?.status).toBe('booting');
    clock.advance(30);
    expect((await vmm(box, sid, INTERNAL_GUEST, 'get', { guest_id: win10.guest_id })).data.status).toBe('running');
    expect((await vmm(box, sid, INTERNAL_ACTION, 'pwr_ctl', { guest_id: win10.guest_id, action: 'poweron' })).error?.code).toBe(904);
    expect((await vmm(box, sid, INTERNAL_ACTION, 'pwr_ctl', { guest_id: win10.guest_id, action: 'reboot' })).success).toBe(true);
    expect((await vmm(box, sid, INTERNAL_ACTION, 'pwr_ctl', { guest_id: win10.guest_id, action: 'shutdown' })).success).toBe(true);
    expect(box.state.vmNamed('win10')?.status).toBe('shutting_down');
    expect((await vmm(box, sid, INTERNAL_ACTION, 'pwr_ctl', { guest_id: win10.guest_id, action: 'poweroff' })).success).toBe(true);
    expect(box.state.vmNamed('win10')?.status).toBe('shutdown');
    expect((await vmm(box, sid, INTERNAL_ACTION, 'pwr_ctl', { guest_id: win10.guest_id, action: 'hibernate' })).error?.code).toBe(401);
    // CamelCase is the seeds' dialect, not this one.
    expect((await vmm(box, sid, INTERNAL_GUEST, 'List')).error?.code).toBe(103);
  });

  it('serves the seeds CamelCase dialect, not the lowercase one, on the compact style', async () => {
    const box = await started({ style: 'compact' });
    const sid = await login(box);
    expect((await vmm(box, sid, INTERNAL_GUEST, 'list')).error?.code).toBe(103);
    expect((await vmm(box, sid, INTERNAL_GUEST, 'List')).data.total).toBe(box.state.vms.size);
  });
});

describe('SYNO.API.Auth as DSM 7 and DSM 6 serve it', () => {
  it('logs in at auth.cgi with v7 on DSM 7 (clients built for DSM 7 do) and answers the device token as device_id; v6 calls it did', async () => {
    const box = await started({ users: [{ account: 'ops', password: 'ops-password', otpSecret: OTP_SECRET }] });
    const code = (offset: number): string => hotp(base32Decode(OTP_SECRET), totpStep(Date.now()) + offset);
    const v7 = await getApi(box, 'auth.cgi', {
      api: 'SYNO.API.Auth', version: '7', method: 'login', account: 'ops', passwd: 'ops-password', session: 'FileStation', format: 'sid',
      otp_code: code(0), enable_device_token: 'yes', device_name: 'synology-api',
    });
    expect(v7.success).toBe(true);
    expect(v7.data.device_id).toEqual(expect.any(String));
    expect(v7.data.did).toBeUndefined();
    const v6 = await postApi(box, 'auth.cgi', {
      api: 'SYNO.API.Auth', version: '6', method: 'login', account: 'ops', passwd: 'ops-password', session: 'other', format: 'sid',
      otp_code: code(1), enable_device_token: 'yes', device_name: 'old-client',
    });
    expect(v6.data.did).toEqual(expect.any(String));
    expect(v6.data.device_id).toBeUndefined();
    const withDevice = await postApi(box, 'auth.cgi', {
      api: 'SYNO.API.Auth', version: '7', method: 'login', account: 'ops', passwd: 'ops-password', session: 'third', format: 'sid',
      device_id: v7.data.device_id as string, device_name: 'synology-api',
    });
    expect(withDevice.success).toBe(true);
  });

  it('serves SYNO.API.Auth versions 1-7 on entry.cgi and auth.cgi on DSM 7, and 1-6 on auth.cgi only on DSM 6', async () => {
    const box = await started();
    const attempt = async (handle: SimulatorHandle, cgi: string, version: number): Promise<number | undefined> => {
      const answer = await postApi(handle, cgi, {
        api: 'SYNO.API.Auth', version: String(version), method: 'login', account: 'admin', passwd: PASSWORD, session: `v${version}`, format: 'sid',
      });
      return answer.success ? 0 : answer.error?.code;
    };
    for (let version = 1; version <= 7; version += 1) {
      expect(await attempt(box, 'entry.cgi', version), `entry.cgi v${version}`).toBe(0);
      expect(await attempt(box, 'auth.cgi', version), `auth.cgi v${version}`).toBe(0);
    }
    expect(await attempt(box, 'auth.cgi', 8)).toBe(104);
    await box.close();
    const dsm6 = await started({ dsmVersion: 6 });
    for (let version = 1; version <= 6; version += 1) expect(await attempt(dsm6, 'auth.cgi', version), `DSM 6 auth.cgi v${version}`).toBe(0);
    expect(await attempt(dsm6, 'auth.cgi', 7)).toBe(104);
    expect(await attempt(dsm6, 'entry.cgi', 6)).toBe(102);
  });

  it('ends the session named by the guide\'s sid parameter on logout', async () => {
    const box = await started();
    const sid = await login(box);
    expect(await getApi(box, 'auth.cgi', { api: 'SYNO.API.Auth', version: '6', method: 'logout', session: 'test', sid })).toEqual({ success: true });
    expect((await vmm(box, sid, GUEST, 'list')).error?.code).toBe(119);
    expect(box.stats.logouts).toBe(1);
    expect(box.stats.requests.at(-2)?.params.sid).toBe('[masked]');
  });
});

describe('guide error codes and capacity', () => {
  it('refuses a create on an offline or crashed storage with 700, and a power-on on an offline host with 601', async () => {
    const box = await started();
    const sid = await login(box);
    const storage = box.state.storageNamed('nas-02 - VM Storage 1')!;
    const create = (status: string): Promise<DsmAnswer> => {
      storage.status = status;
      return vmm(box, sid, GUEST, 'create', {
        guest_name: `on-${status}`, storage_id: storage.id, vdisks: JSON.stringify([{ create_type: 0, vdisk_size: 1024 }]), vnics: '[]',
      });
    };
    for (const status of ['offline', 'crashed', 'missing']) expect((await create(status)).error?.code, status).toBe(700);
    expect((await create('degraded')).success).toBe(true);
    const host = box.state.hostNamed('nas-02')!;
    host.status = 'network_warn';
    expect((await vmm(box, sid, 'SYNO.Virtualization.API.Guest.Action', 'poweron', { guest_name: 'win10', host_name: 'nas-02' })).error?.code).toBe(601);
    // Capacity stays listed for a host that is only warning; the guide leaves it out for a missing host.
    const hosts = await vmm(box, sid, 'SYNO.Virtualization.API.Host', 'list');
    expect(hosts.data.hosts.find((item: { host_name: string }) => item.host_name === 'nas-02')).toMatchObject({ total_ram_size: 8192 });
    host.status = 'inaccessible';
    const missing = (await vmm(box, sid, 'SYNO.Virtualization.API.Host', 'list')).data.hosts.find((item: { host_name: string }) => item.host_name === 'nas-02');
    expect(missing.total_ram_size).toBeUndefined();
    const storages = (await vmm(box, sid, 'SYNO.Virtualization.API.Storage', 'list')).data.storages;
    expect(storages.find((item: { host_name: string }) => item.host_name === 'nas-02').size).toBeUndefined();
  });

  it('ignores create parameters the guide does not list, except CPU and memory, which a real box rejects', async () => {
    const box = await started();
    const sid = await login(box);
    const base = { storage_name: 'nas-01 - VM Storage 1', vdisks: JSON.stringify([{ create_type: 0, vdisk_size: 1024 }]), vnics: '[]' };
    expect((await vmm(box, sid, GUEST, 'create', { ...base, guest_name: 'extra', video_card: 'vga', iso_images: '[]' })).success).toBe(true);
    const refused = await vmm(box, sid, GUEST, 'create', { ...base, guest_name: 'cpu', vcpu_num: '2' });
    expect(refused.error).toMatchObject({ code: 401, errors: { name: 'vcpu_num' } });
  });
});

describe('multi-value parameters', () => {
  it('splits additional by unescaped commas only, as the guide escapes them', async () => {
    const box = await started({ style: 'compact' });
    const sid = await login(box);
    const both = await vmm(box, sid, INTERNAL_GUEST, 'Get', { guest_name: 'db-01', additional: 'network,storage' });
    expect(both.data.storage).toHaveLength(2);
    const escaped = await vmm(box, sid, INTERNAL_GUEST, 'Get', { guest_name: 'db-01', additional: 'network\\,storage' });
    expect(escaped.data.storage).toBeUndefined();
  });
});
