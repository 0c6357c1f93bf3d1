import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { fastSimulator, login, postApi, vmm } from './simulator-helpers.js';

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const GUEST = 'SYNO.Virtualization.API.Guest';
const ACTION = 'SYNO.Virtualization.API.Guest.Action';

async function rawCall(sim: SimulatorHandle, sid: string, api: string, method: string, params: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/webapi/entry.cgi`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ api, version: '1', method, _sid: sid, ...params }).toString(),
  });
}

describe('simulator faults', () => {
  it('answers HTTP 500 to the next matching requests only, then recovers', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    sim.faults.failNext(2, { kind: 'http500', match: { api: GUEST, method: 'list' } });
    expect((await rawCall(sim, sid, 'SYNO.Virtualization.API.Host', 'list')).status).toBe(200);
    expect((await rawCall(sim, sid, GUEST, 'list')).status).toBe(500);
    expect((await rawCall(sim, sid, GUEST, 'list')).status).toBe(500);
    expect((await rawCall(sim, sid, GUEST, 'list')).status).toBe(200);
    expect(sim.stats.requests.filter((request) => request.fault === 'http500')).toHaveLength(2);
  });

  it('drops the connection without an answer', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    sim.faults.failNext(1, { kind: 'drop' });
    await expect(rawCall(sim, sid, GUEST, 'list')).rejects.toThrow();
    expect((await rawCall(sim, sid, GUEST, 'list')).status).toBe(200);
  });

  it('does not carry out a write whose request was dropped before the change', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    sim.faults.failNext(1, { kind: 'drop', match: { method: 'poweroff' } });
    await expect(rawCall(sim, sid, ACTION, 'poweroff', { guest_name: 'web-01' })).rejects.toThrow();
    expect(sim.state.vmNamed('web-01')?.status).toBe('running');
  });

  it('carries out a write and then loses its answer when the fault comes after the change', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    sim.faults.failNext(1, { kind: 'drop', after: true, match: { method: 'poweroff' } });
    await expect(rawCall(sim, sid, ACTION, 'poweroff', { guest_name: 'web-01' })).rejects.toThrow();
    expect(sim.state.vmNamed('web-01')?.status).toBe('shutdown');
    sim.faults.failNext(1, { kind: 'http500', after: true, match: { method: 'set' } });
    expect((await rawCall(sim, sid, GUEST, 'set', { guest_name: 'web-01', description: 'changed' })).status).toBe(500);
    expect(sim.state.vmNamed('web-01')?.description).toBe('changed');
  });

  it('holds every answer back by latencyMs, so a client that gives up sooner gets nothing', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    sim.faults.latencyMs = 300;
    const impatient = fetch(`${sim.url}/webapi/query.cgi?api=SYNO.API.Info&version=1&method=query`, { signal: AbortSignal.timeout(20) });
    await expect(impatient).rejects.toThrow();
    sim.faults.latencyMs = 0;
    expect((await vmm(sim, sid, GUEST, 'list')).success).toBe(true);
  });

  it('forgets latency, pending failures and periodic expiry on reset', async () => {
    sim = await fastSimulator();
    const sid = await login(sim);
    sim.faults.latencyMs = 30;
    sim.faults.failNext(5, { kind: 'http500' });
    sim.faults.expireEvery(1);
    sim.faults.reset();
    expect(sim.faults.latencyMs).toBe(0);
    expect((await vmm(sim, sid, GUEST, 'list')).success).toBe(true);
    expect((await postApi(sim, 'query.cgi', { api: 'SYNO.API.Info', version: '1', method: 'query' })).success).toBe(true);
  });
});
