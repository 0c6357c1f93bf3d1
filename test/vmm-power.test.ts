import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../src/vmm/operations.js';
import { failure, STYLES, guestApi, startRig, type VmmRig } from './vmm-harness.js';

function recorder(): { progress: Progress[]; wait: { timeoutMs: number; onProgress: (p: Progress) => void } } {
  const progress: Progress[] = [];
  return { progress, wait: { timeoutMs: 10_000, onProgress: (p) => progress.push(p) } };
}

describe.each(STYLES)('power actions (%s style)', (style) => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({ style });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('powers a stopped VM on and waits until it runs, reporting each status seen', async () => {
    const { progress, wait } = recorder();
    const outcome = await rig.vmm.powerOn('win10', { wait });
    expect(outcome).toMatchObject({ already: false, settled: true, vm: { name: 'win10', status: 'running' } });
    expect(progress.map((p) => p.message)).toContain('status: booting');
    expect(progress.at(-1)?.message).toBe('status: running');
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, index) => index + 1));
  });

  it('reports a VM that is already running as already, not as an error (904)', async () => {
    const outcome = await rig.vmm.powerOn('web-01', {});
    expect(outcome).toMatchObject({ already: true, settled: true, vm: { status: 'running' } });
  });

  it('starts a power-on without waiting and says it has not settled yet', async () => {
    const outcome = await rig.vmm.powerOn('ci runner (old)', {});
    expect(outcome.already).toBe(false);
    expect(outcome.settled).toBe(outcome.vm.status === 'running');
    expect(['booting', 'running']).toContain(outcome.vm.status);
    await rig.vmm.waitForStatus(outcome.vm.id, ['running'], { timeoutMs: 10_000 });
  });

  it('shuts a running VM down gracefully and waits until it is stopped', async () => {
    const { progress, wait } = recorder();
    const outcome = await rig.vmm.shutdown('win10', { wait });
    expect(outcome).toMatchObject({ already: false, settled: true, vm: { status: 'stopped' } });
    expect(progress.map((p) => p.message)).toContain('status: shutting_down');
    expect(progress.at(-1)?.message).toBe('status: stopped');
  });

  it('reports shutting down or powering off a stopped VM as already (907)', async () => {
    const shutdown = await rig.vmm.shutdown('win10', {});
    const powerOff = await rig.vmm.powerOff('win10', { wait: { timeoutMs: 1_000 } });
    expect(shutdown).toMatchObject({ already: true, settled: true });
    expect(powerOff).toMatchObject({ already: true, settled: true, vm: { status: 'stopped' } });
  });

  it('forces a running VM off and waits until it is stopped', async () => {
    const outcome = await rig.vmm.powerOff('ci runner (old)', { wait: { timeoutMs: 10_000 } });
    expect(outcome).toMatchObject({ already: false, settled: true, vm: { status: 'stopped' } });
    expect(rig.sim.state.vmNamed('ci runner (old)')?.status).toBe('shutdown');
  });

  it('explains a power-on refused for memory with the host, its free memory and the wanted memory (903)', async () => {
    const vm = rig.sim.state.vmNamed('win10');
    if (vm === undefined) throw new Error('win10 missing from the inventory');
    vm.ram_mb = 1_000_000;
    try {
      const host = rig.sim.state.hosts.get(vm.host_id ?? '');
      const free = (host?.ram_mb ?? 0) - (host?.reserved_ram_mb ?? 0);
      const error = await failure(rig.vmm.powerOn('win10', {}));
      expect(error.dsm?.code).toBe(903);
      expect(error.message).toContain(
        `insufficient memory on host ${host?.name}: free ${free} MiB, wanted 1000000 MiB; pick another host or lower ram_mb`,
      );
      expect(error.next).toContain('ram_mb');
    } finally {
      vm.ram_mb = 2048;
    }
  });

  it('weighs every host when a VM refused for memory has no host yet (903)', async () => {
    const vm = rig.sim.state.vmNamed('win10');
    if (vm === undefined) throw new Error('win10 missing from the inventory');
    const { ram_mb: ram, host_id: hostId } = vm;
    vm.ram_mb = 1_000_000;
    vm.host_id = undefined;
    try {
      const error = await failure(rig.vmm.powerOn('win10', {}));
      expect(error.message).toMatch(
        /insufficient memory on every host \(most free: host nas-0\d with \d+ MiB\), wanted 1000000 MiB; shut down other VMs or lower ram_mb/,
      );
    } finally {
      vm.ram_mb = ram;
      vm.host_id = hostId;
    }
  });

  it('explains a power-on refused for CPU threads with the numbers (902)', async () => {
    const vm = rig.sim.state.vmNamed('win10');
    if (vm === undefined) throw new Error('win10 missing from the inventory');
    vm.vcpus = 64;
    try {
      const host = rig.sim.state.hosts.get(vm.host_id ?? '');
      const error = await failure(rig.vmm.powerOn('win10', {}));
      expect(error.dsm?.code).toBe(902);
      expect(error.message).toMatch(new RegExp(`insufficient CPU threads on host ${host?.name}: free \\d+ threads, wanted 64 threads`));
    } finally {
      vm.vcpus = 2;
    }
  });

  it('refuses a CPU or memory change on a running VM before sending anything to DSM', async () => {
    const before = rig.sim.stats.requests.length;
    const error = await failure(rig.vmm.updateVm('web-01', { vcpus: 4 }));
    const sent = rig.sim.stats.requests.slice(before);
    expect(error.kind).toBe('conflict');
    expect(error.next).toBe('shut the VM down first with shutdown, then retry');
    expect(sent.some((request) => request.api === guestApi(style) && request.method.toLowerCase() === 'set')).toBe(false);
    expect(rig.sim.state.vmNamed('web-01')?.vcpus).toBe(2);
  });

  it('changes CPU, memory and autorun of a stopped VM and returns the VM as it now is', async () => {
    const vm = await rig.vmm.updateVm('win10', { vcpus: 4, ram_mb: 3072, autorun: 'on' });
    expect(vm).toMatchObject({ name: 'win10', vcpus: 4, ram_mb: 3072, autorun: 'on' });
    expect(rig.sim.state.vmNamed('win10')).toMatchObject({ vcpus: 4, ram_mb: 3072 });
  });

  it('refuses an update with nothing to change', async () => {
    expect((await failure(rig.vmm.updateVm('win10', {}))).kind).toBe('invalid_input');
  });

  it('refuses to rename a VM to a name another VM has, before asking DSM', async () => {
    const before = rig.sim.stats.requests.length;
    const error = await failure(rig.vmm.updateVm('win10', { new_name: 'web-01' }));
    const sent = rig.sim.stats.requests.slice(before);
    expect(error.kind).toBe('conflict');
    expect(sent.some((request) => request.method.toLowerCase() === 'set')).toBe(false);
  });

  it('refuses to delete a running VM and says to shut it down first', async () => {
    const error = await failure(rig.vmm.deleteVm('lab-router'));
    expect(error.kind).toBe('conflict');
    expect(error.next).toContain('shutdown');
    expect(rig.sim.state.vmNamed('lab-router')).toBeDefined();
  });

  it('deletes a stopped VM and returns what was deleted', async () => {
    const outcome = await rig.vmm.deleteVm('ci runner (old)');
    expect(outcome.deleted.name).toBe('ci runner (old)');
    expect(rig.sim.state.vmNamed('ci runner (old)')).toBeUndefined();
    expect((await failure(rig.vmm.getVm('ci runner (old)'))).kind).toBe('not_found');
  });
});

describe('official style specifics', () => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({ style: 'official' });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('returns full VM details: disks in MiB with controllers, NICs with networks, storage, host, autorun', async () => {
    const vm = await rig.vmm.getVm('db-01');
    expect(vm).toMatchObject({
      name: 'db-01',
      status: 'running',
      vcpus: 4,
      ram_mb: 8192,
      autorun: 'last_state',
      description: 'PostgreSQL primary',
      host: { name: 'nas-01' },
      storage: { name: 'nas-01 - VM Storage 1' },
    });
    expect(vm.disks.map((disk) => [disk.size_mb, disk.controller])).toEqual([
      [40960, 'virtio'],
      [102400, 'virtio'],
    ]);
    expect(vm.nics.map((nic) => [nic.model, nic.network?.name])).toEqual([
      ['virtio', 'Default VM Network'],
      ['virtio', 'Lab Network'],
    ]);
  });

  it('powers a VM on on the host asked for', async () => {
    const outcome = await rig.vmm.powerOn('win10', { host: 'nas-02', wait: { timeoutMs: 10_000 } });
    expect(outcome.vm.host?.name).toBe('nas-02');
    expect(rig.sim.state.vmNamed('win10')?.host_id).toBe(rig.sim.state.hostNamed('nas-02')?.id);
  });

  it('renames a VM and changes its description through new_guest_name and description', async () => {
    await rig.vmm.shutdown('win10', { wait: { timeoutMs: 10_000 } });
    const vm = await rig.vmm.updateVm('win10', { new_name: 'win10-renamed', description: 'desk, spare' });
    const set = rig.sim.stats.requests.filter((request) => request.method === 'set').at(-1);
    expect(vm).toMatchObject({ name: 'win10-renamed', description: 'desk, spare' });
    expect(set?.params.new_guest_name).toBe('win10-renamed');
  });
});
