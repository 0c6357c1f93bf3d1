import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../src/vmm/operations.js';
import { failure, STYLES, guestApi, startRig, type VmmRig } from './vmm-harness.js';

function never(): never {
  throw new Error('the demo inventory has changed');
}

function recorder(): { progress: Progress[]; wait: { timeoutMs: number; onProgress: (p: Progress) => void } } {
  const progress: Progress[] = [];
  return { progress, wait: { timeoutMs: 10_000, onProgress: (p) => progress.push(p) } };
}

/** Runs `body` with win10 resized, then puts it back as the inventory has it. */
async function resized(rig: VmmRig, size: { vcpus?: number; ram_mb?: number }, body: () => Promise<void>): Promise<void> {
  const vm = rig.sim.state.vmNamed('win10');
  if (vm === undefined) throw new Error('win10 missing from the inventory');
  const { vcpus, ram_mb: ram } = vm;
  vm.vcpus = size.vcpus ?? vcpus;
  vm.ram_mb = size.ram_mb ?? ram;
  try {
    await body();
  } finally {
    vm.vcpus = vcpus;
    vm.ram_mb = ram;
  }
}

/** A host's free memory, as the simulator counts it now. */
function freeRam(rig: VmmRig, name: string): number {
  return rig.sim.state.freeRamMb(rig.sim.state.hostNamed(name) ?? never());
}

/** "2 threads and 4096 MiB free", as the simulator counts them now. */
function freeOf(rig: VmmRig, name: string): string {
  const threads = rig.sim.state.freeCpu(rig.sim.state.hostNamed(name) ?? never());
  return `${threads} thread${threads === 1 ? '' : 's'} and ${freeRam(rig, name)} MiB free`;
}

const HOSTS = ['nas-01', 'nas-02'];

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

  it('names in the headline the same host as DSM\'s details when DSM picked the host itself (903)', async () => {
    await resized(rig, { ram_mb: 1_000_000 }, async () => {
      const error = await failure(rig.vmm.powerOn('win10', {}));
      const tried = /not enough memory on host "(\S+)", which has/.exec(error.message)?.[1];
      expect(tried).toBeDefined();
      expect(error.dsm?.details.join(' ')).toContain(`host ${tried}`);
      expect(error.message).toContain(`host "${tried}", which has ${freeOf(rig, tried ?? '')}`);
      const other = HOSTS.find((name) => name !== tried) ?? never();
      expect(error.message).toContain(`no host can take it now (host "${other}" has ${freeOf(rig, other)})`);
    });
  });

  it('explains a power-on refused for CPU threads with the numbers (902)', async () => {
    await resized(rig, { vcpus: 64 }, async () => {
      const error = await failure(rig.vmm.powerOn('win10', {}));
      expect(error.dsm?.code).toBe(902);
      expect(error.message).toMatch(/^Cannot power on VM "win10" \(64 vCPUs, 2048 MiB\): not enough CPU threads on host "nas-0\d", which has \d+ threads? and \d+ MiB free; no host can take it now/);
      expect(error.message).toMatch(/the largest size that fits is \d+ vCPUs? and 2048 MiB, on host "nas-0\d"$/);
    });
  });

  it('refuses a CPU or memory change on a running VM before sending anything to DSM', async () => {
    const before = rig.sim.stats.requests.length;
    const error = await failure(rig.vmm.updateVm('web-01', { vcpus: 4 }));
    const sent = rig.sim.stats.requests.slice(before);
    expect(error.kind).toBe('conflict');
    expect(error.message).toBe('VM "web-01" is running, and only a stopped VM can change vcpus or ram_mb; nothing was changed');
    expect(error.next).toContain('shutdown with wait: true');
    expect(error.next).toContain('power_off');
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

  it('refuses to delete a running VM before asking DSM, and says how to stop it first', async () => {
    const before = rig.sim.stats.requests.length;
    const error = await failure(rig.vmm.deleteVm('lab-router'));
    const sent = rig.sim.stats.requests.slice(before);
    expect(error.kind).toBe('conflict');
    expect(error.message).toBe('VM "lab-router" is running, and only a stopped VM can be deleted; nothing was changed');
    expect(error.next).toContain('shutdown with wait: true');
    expect(sent.some((request) => request.method.toLowerCase() === 'delete')).toBe(false);
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

// The compact API cannot choose the host a VM starts on (DSM's auto-select does), so these need the official one.
describe('power-on failures on a host the caller chose (official style)', () => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({ style: 'official' });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('names the host asked for with its free figures, each other host, and the largest size that fits when none can take it (903)', async () => {
    await resized(rig, { ram_mb: 1_000_000 }, async () => {
      const error = await failure(rig.vmm.powerOn('win10', { host: 'nas-02' }));
      expect(error.dsm?.code).toBe(903);
      expect(error.dsm?.details.join(' ')).toContain('host nas-02');
      expect(error.message).toContain(
        `Cannot power on VM "win10" (2 vCPUs, 1000000 MiB): not enough memory on host "nas-02", which has ${freeOf(rig, 'nas-02')}; `
          + `no host can take it now (host "nas-01" has ${freeOf(rig, 'nas-01')})`,
      );
      const roomiest = [...HOSTS].sort((a, b) => freeRam(rig, b) - freeRam(rig, a))[0] ?? never();
      const ram = freeRam(rig, roomiest);
      expect(error.message).toContain(`the largest size that fits is 2 vCPUs and ${ram} MiB, on host "${roomiest}"`);
      expect(error.next).toContain(`vcpus 2 and ram_mb ${ram} fit host "${roomiest}"`);
    });
  });

  it('points at the host with room when the one asked for has none (903)', async () => {
    const [small, big] = [...HOSTS].sort((a, b) => freeRam(rig, a) - freeRam(rig, b)) as [string, string];
    await resized(rig, { vcpus: 1, ram_mb: freeRam(rig, big) }, async () => {
      const error = await failure(rig.vmm.powerOn('win10', { host: small }));
      expect(error.message).toContain(`not enough memory on host "${small}", which has ${freeOf(rig, small)}; room on host "${big}" (${freeOf(rig, big)})`);
      expect(error.next).toBe(`power_on again with host "${big}"`);
    });
  });
});
