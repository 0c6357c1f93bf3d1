import { afterEach, describe, expect, it } from 'vitest';
import { DsmClient } from '../src/providers/synology/dsm/client.js';
import { createDsmBackend } from '../src/providers/synology/backend.js';
import { DEMO_USER, startSimulator, type SimulatorHandle, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';
import type { VmmBackend } from '../src/vmm/backend.js';
import { createLogger } from '../src/log.js';
import { INTERNAL_IMAGE_API, InternalImageSizes } from '../src/providers/synology/image-sizes.js';
import type { VmId } from '../src/vmm/model.js';

/**
 * The internal SYNO.Virtualization.Guest family speaks DSM 7's lowercase dialect on real boxes and the
 * seeds' CamelCase one in the compact documents. The backend tries DSM 7's first and lets a 103
 * (no such method) switch it, once, remembered for the target.
 */

const opened: Array<{ sim: SimulatorHandle; backend: VmmBackend }> = [];
afterEach(async () => {
  for (const { sim, backend } of opened.splice(0)) {
    await backend.close();
    await sim.close();
  }
});

async function target(options: SimulatorOptions): Promise<{ sim: SimulatorHandle; backend: VmmBackend }> {
  const sim = await startSimulator({ powerSettleMs: 20, taskDurationMs: 20, ...options });
  const backend = createDsmBackend(new DsmClient({ url: sim.url, username: DEMO_USER.account, password: DEMO_USER.password }));
  const pair = { sim, backend };
  opened.push(pair);
  return pair;
}

function guestCalls(sim: SimulatorHandle): string[] {
  return sim.stats.requests.filter((request) => request.api.startsWith('SYNO.Virtualization.Guest')).map((request) => `${request.api.endsWith('Action') ? 'Action ' : ''}${request.method}`);
}

describe('the internal guest family: DSM 7 dialect or the seeds CamelCase one', () => {
  it('speaks DSM 7 lowercase to a DSM 7 box without a single 103, reading memory in KiB and placing guests by repo_id', async () => {
    const { sim, backend } = await target({ style: 'internal' });
    const vms = await backend.listVms();
    expect(backend.style).toBe('dsm-internal');
    expect(vms.find((vm) => vm.name === 'db-01')).toMatchObject({ status: 'running', vcpus: 4, ram_mb: 8192, host: { name: 'nas-01' } });
    const win10 = vms.find((vm) => vm.name === 'win10');
    await backend.powerOn(win10!.id, undefined);
    await backend.updateVm(vms.find((vm) => vm.name === 'ci runner (old)')!.id, { ram_mb: 3072, new_name: 'ci runner', description: 'kept' });
    expect(sim.state.vmNamed('ci runner')).toMatchObject({ ram_mb: 3072, description: 'kept' });
    expect(guestCalls(sim)).toEqual(['list', 'Action pwr_ctl', 'set']);
    expect(sim.stats.requests.find((request) => request.method === 'pwr_ctl')?.params).toMatchObject({ guest_id: win10!.id, action: 'poweron' });
  });

  it('switches to CamelCase on the first 103 from the seeds box, repeats that call, and never asks in lowercase again', async () => {
    const { sim, backend } = await target({ style: 'compact' });
    const vms = await backend.listVms();
    expect(backend.style).toBe('dsm-compact');
    expect(vms).toHaveLength(sim.state.vms.size);
    const win10 = vms.find((vm) => vm.name === 'win10')!;
    await backend.getVm(win10.id);
    await backend.powerOn(win10.id, undefined);
    await backend.listVms();
    expect(guestCalls(sim)).toEqual(['list', 'List', 'Get', 'PowerOn', 'List']);
  });

  it('switches on a write too, since DSM did nothing for a method it does not have', async () => {
    const { sim, backend } = await target({ style: 'compact' });
    const id = sim.state.vmNamed('win10')!.id as VmId;
    await backend.updateVm(id, { vcpus: 3 });
    expect(sim.state.vmNamed('win10')?.vcpus).toBe(3);
    expect(guestCalls(sim)).toEqual(['set', 'Set']);
  });

  it('uses CamelCase power methods at once on a box without Guest.Action, which DSM 7 power needs', async () => {
    const { sim, backend } = await target({ style: 'compact' });
    await backend.powerOn(sim.state.vmNamed('win10')!.id as VmId, undefined);
    expect(guestCalls(sim)).toEqual(['PowerOn']);
  });

  it('settles the dialect in prepare with one cheap get, so the style is exact before any guest call', async () => {
    const seeds = await target({ style: 'compact' });
    await seeds.backend.prepare?.();
    expect(seeds.backend.style).toBe('dsm-compact');
    const dsm7 = await target({ style: 'internal' });
    await dsm7.backend.prepare?.();
    expect(dsm7.backend.style).toBe('dsm-internal');
    expect(guestCalls(seeds.sim)).toEqual(['get']);
    expect(guestCalls(dsm7.sim)).toEqual(['get']);
  });

  it('can reboot only in DSM 7 dialect, said once the dialect is settled and not before', async () => {
    const seeds = await target({ style: 'compact' });
    const dsm7 = await target({ style: 'internal' });
    const official = await target({});
    for (const { backend } of [seeds, dsm7, official]) expect(backend.capabilities.has('reboot')).toBe(false);
    await Promise.all([seeds, dsm7, official].map(({ backend }) => backend.prepare?.()));
    expect([seeds, dsm7, official].map(({ backend }) => backend.capabilities.has('reboot'))).toEqual([false, true, false]);
    expect([seeds, dsm7, official].map(({ backend }) => backend.offers?.has('reboot'))).toEqual([false, true, false]);
    const web = dsm7.sim.state.vmNamed('web-01')!;
    await dsm7.backend.reboot(web.id as VmId);
    expect(dsm7.sim.stats.requests.find((request) => request.method === 'pwr_ctl')?.params).toMatchObject({ guest_id: web.id, action: 'reboot' });
    expect(web.status).toBe('booting');
    const refused = await seeds.backend.reboot(seeds.sim.state.vmNamed('web-01')!.id as VmId).then(() => undefined, (error: unknown) => error);
    expect(String(refused)).toContain('offers no rebooting virtual machines');
    expect(guestCalls(seeds.sim)).toEqual(['get']);
  });

  it('reads image sizes for the official family in the dialect the box speaks: lowercase on DSM 7, CamelCase after one 103', async () => {
    for (const [style, methods] of [['official', ['list', 'list']], ['compact', ['list', 'List', 'List']]] as const) {
      const sim = await startSimulator({ style });
      const client = new DsmClient({ url: sim.url, username: DEMO_USER.account, password: DEMO_USER.password });
      opened.push({ sim, backend: { close: () => client.close() } as VmmBackend });
      const lines: string[] = [];
      const logger = createLogger('debug', (line) => lines.push(line));
      const sizes = new InternalImageSizes((method, params, ctx) => client.call(INTERNAL_IMAGE_API, method, params, { kind: 'read', signal: ctx?.signal }), logger);
      const expected = [...sim.state.images.values()].map((image) => [image.id, image.size_mb]);
      expect([...(await sizes.byId(undefined))]).toEqual(expected);
      expect([...(await sizes.byId(undefined))]).toEqual(expected);
      expect(sim.stats.requests.filter((request) => request.api === INTERNAL_IMAGE_API).map((request) => request.method), style).toEqual(methods);
      expect(lines).toEqual([]);
    }
  });

  it('remembers the dialect per target: two targets of different kinds each keep their own', async () => {
    const seeds = await target({ style: 'compact' });
    const dsm7 = await target({ style: 'internal' });
    await Promise.all([seeds.backend.listVms(), dsm7.backend.listVms()]);
    await Promise.all([seeds.backend.listVms(), dsm7.backend.listVms()]);
    expect([seeds.backend.style, dsm7.backend.style]).toEqual(['dsm-compact', 'dsm-internal']);
    expect(guestCalls(seeds.sim)).toEqual(['list', 'List', 'List']);
    expect(guestCalls(dsm7.sim)).toEqual(['list', 'list']);
  });

  it('prefers the official family on a DSM 7 box that lists both', async () => {
    const { sim, backend } = await target({});
    await backend.listVms();
    expect(backend.style).toBe('dsm-official');
    expect(sim.stats.requests.some((request) => request.api === 'SYNO.Virtualization.Guest')).toBe(false);
  });
});
