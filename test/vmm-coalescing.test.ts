import { afterEach, describe, expect, it } from 'vitest';
import type { VmId } from '../src/vmm/model.js';
import { failure, STYLES, guestApi, startRig, type VmmRig } from './vmm-harness.js';

/**
 * Identical reads asked for at the same time share one DSM request (the guest list of 10,000 VMs is
 * 6 MB); writes never do, and each caller's cancellation stays its own.
 */

const rigs: VmmRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

/** A rig that already logged in and discovered the APIs, with `latencyMs` on every answer so that calls overlap. */
async function warmRig(style: (typeof STYLES)[number], latencyMs: number): Promise<VmmRig> {
  const rig = await startRig({ style });
  rigs.push(rig);
  await rig.vmm.capabilities();
  rig.sim.faults.latencyMs = latencyMs;
  return rig;
}

/** Requests to the guest API with `method` (the compact style capitalises its method names). */
function sent(rig: VmmRig, style: (typeof STYLES)[number], method: string): number {
  return rig.sim.stats.requests.filter((request) => request.api === guestApi(style) && request.method.toLowerCase() === method).length;
}

/** Resolves once the simulator has received `count` guest `method` requests: then a cancellation meets a request in flight. */
async function arrived(rig: VmmRig, style: (typeof STYLES)[number], method: string, count: number): Promise<void> {
  while (sent(rig, style, method) < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.each(STYLES)('concurrent identical reads (%s style)', (style) => {
  it('20 concurrent list_vms send the guest list request once and all get the VMs', async () => {
    const rig = await warmRig(style, 50);
    const before = sent(rig, style, 'list');
    const pages = await Promise.all(Array.from({ length: 20 }, () => rig.vmm.listVms({}, { limit: 50, offset: 0 })));
    expect(sent(rig, style, 'list') - before).toBe(1);
    const names = pages[0]?.items.map((vm) => vm.name);
    expect(names).toContain('web-01');
    for (const page of pages) expect(page.items.map((vm) => vm.name)).toEqual(names);
  });

  it('concurrent list_vms with a name filter share one request per filter, each getting only its matches', async () => {
    const rig = await warmRig(style, 50);
    const before = sent(rig, style, 'list');
    const pages = await Promise.all(
      Array.from({ length: 20 }, (_, index) => rig.vmm.listVms({ name: index % 2 === 0 ? 'web' : 'DB-*' }, { limit: 50, offset: 0 })),
    );
    expect(sent(rig, style, 'list') - before).toBe(2);
    const web = [...rig.sim.state.vms.values()].map((vm) => vm.name).filter((name) => name.includes('web'));
    expect(web.length).toBeGreaterThan(0);
    for (const [index, page] of pages.entries()) {
      expect(page.items.map((vm) => vm.name)).toEqual(index % 2 === 0 ? web : ['db-01']);
      expect(page.total).toBe(page.items.length);
    }
  });

  it('20 concurrent resolutions of two names share one get per name and list nothing', async () => {
    const rig = await warmRig(style, 50);
    const lists = sent(rig, style, 'list');
    const gets = sent(rig, style, 'get');
    const vms = await Promise.all(Array.from({ length: 20 }, (_, index) => rig.vmm.resolveVm(index % 2 === 0 ? 'web-01' : 'db-01')));
    expect(sent(rig, style, 'list') - lists).toBe(0);
    expect(sent(rig, style, 'get') - gets).toBe(2);
    expect(new Set(vms.map((vm) => vm.name))).toEqual(new Set(['web-01', 'db-01']));
  });

  it('concurrent reads of the same VM by id share one get; reads of different VMs do not', async () => {
    const rig = await warmRig(style, 50);
    const web = rig.sim.state.vmNamed('web-01')?.id ?? '';
    const db = rig.sim.state.vmNamed('db-01')?.id ?? '';
    const before = sent(rig, style, 'get');
    const vms = await Promise.all([...Array.from({ length: 10 }, () => rig.vmm.getVm(web)), rig.vmm.getVm(db)]);
    expect(sent(rig, style, 'get') - before).toBe(2);
    expect(vms.map((vm) => vm.name)).toEqual([...Array.from({ length: 10 }, () => 'web-01'), 'db-01']);
  });

  it('a reader that cancels gets a cancellation while the others, with and without a signal, still get the list', async () => {
    const rig = await warmRig(style, 100);
    const before = sent(rig, style, 'list');
    const quitter = new AbortController();
    const patient = new AbortController();
    const cancelled = failure(rig.vmm.listVms({}, { limit: 50, offset: 0 }, { signal: quitter.signal }));
    const withSignal = rig.vmm.listVms({}, { limit: 50, offset: 0 }, { signal: patient.signal });
    const withoutSignal = rig.vmm.listVms({}, { limit: 50, offset: 0 });
    await arrived(rig, style, 'list', before + 1);
    quitter.abort();
    expect((await cancelled).kind).toBe('cancelled');
    expect((await withSignal).total).toBeGreaterThan(0);
    expect((await withoutSignal).total).toBeGreaterThan(0);
    expect(sent(rig, style, 'list') - before).toBe(1);
  });

  it('when every reader cancelled, the next reader starts a fresh request and gets the list', async () => {
    const rig = await warmRig(style, 100);
    const before = sent(rig, style, 'list');
    const first = new AbortController();
    const second = new AbortController();
    const both = [first, second].map((controller) => failure(rig.vmm.listVms({}, { limit: 50, offset: 0 }, { signal: controller.signal })));
    await arrived(rig, style, 'list', before + 1);
    first.abort();
    second.abort();
    for (const error of await Promise.all(both)) expect(error.kind).toBe('cancelled');
    const page = await rig.vmm.listVms({}, { limit: 50, offset: 0 });
    expect(page.total).toBeGreaterThan(0);
    expect(sent(rig, style, 'list') - before).toBe(2);
  });
});

describe('reads and writes', () => {
  it('never shares writes: two concurrent shutdowns of one VM both reach DSM', async () => {
    const rig = await warmRig('official', 50);
    const id = rig.sim.state.vmNamed('web-01')?.id as VmId;
    const before = rig.requests('SYNO.Virtualization.API.Guest.Action', 'shutdown');
    await Promise.allSettled([rig.vmm.backend.shutdown(id), rig.vmm.backend.shutdown(id)]);
    expect(rig.requests('SYNO.Virtualization.API.Guest.Action', 'shutdown') - before).toBe(2);
  });

  it('a read asked for after a write started does not join a read that began before it', async () => {
    const rig = await warmRig('official', 50);
    const id = rig.sim.state.vmNamed('db-01')?.id as VmId;
    const before = sent(rig, 'official', 'list');
    const earlier = rig.vmm.backend.listVms();
    const rename = rig.vmm.backend.updateVm(id, { new_name: 'db-renamed' });
    const during = rig.vmm.backend.listVms();
    await rename;
    const after = await rig.vmm.backend.listVms();
    await Promise.all([earlier, during]);
    expect(sent(rig, 'official', 'list') - before).toBe(3);
    expect(after.map((vm) => vm.name)).toContain('db-renamed');
  });
});
