import { afterEach, describe, expect, it } from 'vitest';
import { describeSimulator } from '../src/providers/synology/simulator/index.js';
import type { SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { fastSimulator, getApi, login, vmm } from './simulator-helpers.js';

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('simulator discovery', () => {
  it('lists SYNO.API.Auth at entry.cgi up to version 7 on DSM 7', async () => {
    sim = await fastSimulator();
    const answer = await getApi(sim, 'query.cgi', { api: 'SYNO.API.Info', version: '1', method: 'query', query: 'SYNO.API.Auth,SYNO.Virtualization.' });
    expect(answer.success).toBe(true);
    expect(answer.data['SYNO.API.Auth']).toEqual({ path: 'entry.cgi', minVersion: 1, maxVersion: 7 });
    expect(answer.data['SYNO.Virtualization.API.Guest']).toEqual({ path: 'entry.cgi', minVersion: 1, maxVersion: 1, requestFormat: 'JSON' });
    expect(answer.data['SYNO.API.Info']).toBeUndefined();
  });

  it('lists SYNO.API.Auth at auth.cgi up to version 6 on DSM 6', async () => {
    sim = await fastSimulator({ dsmVersion: 6 });
    const answer = await getApi(sim, 'query.cgi', { api: 'SYNO.API.Info', version: '1', method: 'query', query: 'all' });
    expect(answer.data['SYNO.API.Auth']).toEqual({ path: 'auth.cgi', minVersion: 1, maxVersion: 6 });
    expect(answer.data['SYNO.API.Info']).toEqual({ path: 'query.cgi', minVersion: 1, maxVersion: 1 });
  });

  it('answers 101 without api, method or version, 102 for an unknown API or the wrong path, 103 for an unknown method, 104 for a version out of range', async () => {
    sim = await fastSimulator({ dsmVersion: 6 });
    const code = async (cgi: string, params: Record<string, string>) => (await getApi(sim!, cgi, params)).error?.code;
    expect(await code('query.cgi', { api: 'SYNO.API.Info', method: 'query' })).toBe(101);
    expect(await code('entry.cgi', { version: '1', method: 'list' })).toBe(101);
    expect(await code('entry.cgi', { api: 'SYNO.Nothing', version: '1', method: 'list' })).toBe(102);
    expect(await code('entry.cgi', { api: 'SYNO.API.Auth', version: '3', method: 'login' })).toBe(102);
    expect(await code('query.cgi', { api: 'SYNO.API.Info', version: '1', method: 'nope' })).toBe(103);
    expect(await code('auth.cgi', { api: 'SYNO.API.Auth', version: '7', method: 'login' })).toBe(104);
  });
});

describe('simulator working example of the guide', () => {
  it('logs in on auth.cgi version 3, gets win10 by name, and logs out', async () => {
    sim = await fastSimulator();
    const loggedIn = await getApi(sim, 'auth.cgi', {
      api: 'SYNO.API.Auth', method: 'login', version: '3', account: 'admin', passwd: 'vmm-demo-password', format: 'sid', session: 'dsm_info',
    });
    expect(loggedIn.success).toBe(true);
    const sid = loggedIn.data.sid as string;
    const guest = await getApi(sim, 'entry.cgi', { api: 'SYNO.Virtualization.API.Guest', version: '1', method: 'get', _sid: sid, guest_name: 'win10' });
    expect(guest.data).toMatchObject({ guest_name: 'win10', status: 'shutdown', vcpu_num: 2, vram_size: 2048, autorun: 0 });
    expect(guest.data.vdisks).toEqual([expect.objectContaining({ controller: 1, unmap: false, vdisk_size: 25600 })]);
    expect(guest.data.vnics[0]).toMatchObject({ network_name: 'Default VM Network', model: 1 });
    const loggedOut = await getApi(sim, 'auth.cgi', { api: 'SYNO.API.Auth', method: 'logout', version: '3', _sid: sid });
    expect(loggedOut).toEqual({ success: true });
    expect(sim.stats.logouts).toBe(1);
    const after = await vmm(sim, sid, 'SYNO.Virtualization.API.Host', 'list');
    expect(after.error?.code).toBe(119);
  });

  it('answers 401 to get without guest_id or guest_name', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    const answer = await vmm(sim, sid, 'SYNO.Virtualization.API.Guest', 'get');
    expect(answer.success).toBe(false);
    expect(answer.error?.code).toBe(401);
  });

  it('merges query and form parameters of one request', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    const response = await fetch(`${sim.url}/webapi/entry.cgi?api=SYNO.Virtualization.API.Guest&version=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ method: 'get', guest_name: 'db-01', _sid: sid }).toString(),
    });
    const answer = (await response.json()) as { data: { guest_name: string } };
    expect(answer.data.guest_name).toBe('db-01');
  });
});

describe('simulator description for the standalone command', () => {
  it('names the URL, the style and the demo account with its public password', async () => {
    sim = await fastSimulator({ style: 'compact', dsmVersion: 6 });
    const text = describeSimulator(sim).join('\n');
    expect(text).toContain(sim.url);
    expect(text).toContain('DSM 6 (compact VMM API)');
    expect(text).toContain('account: admin  password: vmm-demo-password');
  });

  it('answers unknown paths as DSM does, with its JSON "no such API" (102), not an HTML page', async () => {
    sim = await fastSimulator();
    for (const path of ['/', '/webapi/other.cgi?api=SYNO.API.Info', '/webapi/query.cgi/SYNO.API.Info']) {
      const response = await fetch(`${sim.url}${path}`);
      expect(response.headers.get('content-type'), path).toContain('application/json');
      expect(await response.json(), path).toEqual({ success: false, error: { code: 102 } });
    }
  });
});
