import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../src/providers/synology/simulator/index.js';
import type { Progress } from '../src/vmm/operations.js';
import { failure, startRig, type VmmRig } from './vmm-harness.js';

const GUEST = 'SYNO.Virtualization.API.Guest';
const WAIT = { timeoutMs: 10_000 };

function sentSince(rig: VmmRig, mark: number, method: string): RecordedRequest[] {
  return rig.sim.stats.requests.slice(mark).filter((request) => request.api === GUEST && request.method === method);
}

describe('creating VMs (official style)', () => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({ style: 'official' });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('clones an image, sets CPU and memory after the task, powers on and reports progress', async () => {
    const progress: Progress[] = [];
    const mark = rig.sim.stats.requests.length;
    const outcome = await rig.vmm.createVmFromImage(
      { name: 'app-01', image: 'debian-12-cloud', network: 'Lab Network', vcpus: 2, ram_mb: 3072, power_on: true },
      { wait: { ...WAIT, onProgress: (p) => progress.push(p) } },
    );
    expect(outcome).toMatchObject({
      finished: true,
      remaining: [],
      warnings: [],
      task: { finished: true, progress: 100 },
      vm: { name: 'app-01', status: 'running', vcpus: 2, ram_mb: 3072, storage: { name: 'nas-01 - VM Storage 1' } },
    });
    expect(outcome.vm?.nics.map((nic) => nic.network?.name)).toEqual(['Lab Network']);
    expect(outcome.vm?.disks.map((disk) => disk.size_mb)).toEqual([2048]);
    expect(progress.some((p) => p.message.startsWith(`task ${outcome.task.id}`))).toBe(true);
    expect(progress.at(-1)?.message).toBe('status: running');
    const values = progress.map((p) => p.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));

    const [create] = sentSince(rig, mark, 'create');
    expect(Object.keys(create?.params ?? {}).sort()).toEqual(
      ['_sid', 'api', 'auto_clean_task', 'guest_name', 'method', 'storage_id', 'vdisks', 'version', 'vnics'].sort(),
    );
    expect(create?.params.auto_clean_task).toBe('false');
    expect(JSON.parse(create?.params.vdisks ?? '[]')).toEqual([{ create_type: 1, image_id: rig.sim.state.imageNamed('debian-12-cloud')?.id }]);
    const [set] = sentSince(rig, mark, 'set');
    expect(set?.params).toMatchObject({ vcpu_num: '2', vram_size: '3072' });
  });

  it('adds an empty data disk of disk_size_gb, sized in MB on the wire', async () => {
    const mark = rig.sim.stats.requests.length;
    const outcome = await rig.vmm.createVmFromImage(
      { name: 'app-02', image: 'ubuntu-24.04-cloud', storage: 'nas-02 - VM Storage 1', network: 'Lab Network', disk_size_gb: 2 },
      { wait: WAIT },
    );
    const [create] = sentSince(rig, mark, 'create');
    expect(JSON.parse(create?.params.vdisks ?? '[]')).toContainEqual({ create_type: 0, vdisk_size: 2048 });
    expect(outcome.vm?.disks.map((disk) => disk.size_mb)).toEqual([3584, 2048]);
    expect(outcome.vm?.status).toBe('stopped');
  });

  it('clears a create task from DSM once a wait has read how it ended, and keeps it while nobody has', async () => {
    const done = await rig.vmm.createVmFromImage({ name: 'task-clear-1', image: 'debian-12-cloud', network: 'Lab Network' }, { wait: WAIT });
    expect(done.finished).toBe(true);
    expect(rig.sim.stats.requests.filter((r) => r.method === 'clear').map((r) => r.params.task_id)).toContain(done.task.id);
    expect(rig.sim.state.tasks.has(done.task.id)).toBe(false);

    const early = await rig.vmm.createVmFromImage({ name: 'task-clear-2', image: 'debian-12-cloud', network: 'Lab Network' }, { wait: { timeoutMs: 0 } });
    expect(early.finished).toBe(false);
    expect(rig.sim.state.tasks.has(early.task.id)).toBe(true);
    const followed = await rig.vmm.waitForTask(early.task.id, WAIT);
    expect(followed).toMatchObject({ done: true, value: { finished: true, progress: 100 } });
    expect(rig.sim.state.tasks.has(early.task.id)).toBe(false);
  });

  it('picks the storage holding the image with the most free space and VMM\'s default network, and says why', async () => {
    const mark = rig.sim.stats.requests.length;
    const outcome = await rig.vmm.createVmFromImage({ name: 'auto-01', image: 'ubuntu-24.04-cloud' }, { wait: WAIT });
    const roomiest = [...rig.sim.state.storages.values()].sort((a, b) => rig.sim.state.freeStorageMb(b) - rig.sim.state.freeStorageMb(a))[0];
    expect(roomiest?.name).toBe('nas-01 - VM Storage 1');
    expect(outcome.vm).toMatchObject({ name: 'auto-01', storage: { name: 'nas-01 - VM Storage 1' } });
    expect(outcome.vm?.nics.map((nic) => nic.network?.name)).toEqual(['Default VM Network']);
    expect(outcome.chosen).toEqual([
      {
        argument: 'storage',
        id: roomiest?.id,
        name: 'nas-01 - VM Storage 1',
        why: expect.stringMatching(/^the usable storage holding image ubuntu-24\.04-cloud with the most free space, [\d.]+ GiB$/),
      },
      { argument: 'network', id: rig.sim.state.networkNamed('Default VM Network')?.id, name: 'Default VM Network', why: 'the default network for new VMs' },
    ]);
    expect(sentSince(rig, mark, 'create')).toHaveLength(1);
  });

  it('reports only the defaults it picked, not what was given', async () => {
    const outcome = await rig.vmm.createVmFromImage(
      { name: 'auto-02', image: 'ubuntu-24.04-cloud', storage: 'nas-02 - VM Storage 1' },
      { wait: WAIT },
    );
    expect(outcome.vm?.storage?.name).toBe('nas-02 - VM Storage 1');
    expect(outcome.chosen?.map((choice) => choice.argument)).toEqual(['network']);
  });

  it('refuses to clone an image that is not a disk image', async () => {
    const error = await failure(
      rig.vmm.createVmFromImage({ name: 'app-03', image: 'ubuntu-24.04-live.iso', network: 'Lab Network' }, { wait: WAIT }),
    );
    expect(error.kind).toBe('invalid_input');
    expect(error.message).toContain('iso');
  });

  it('refuses a name another VM already has before creating anything', async () => {
    const mark = rig.sim.stats.requests.length;
    const error = await failure(
      rig.vmm.createVmFromImage({ name: 'web-01', image: 'debian-12-cloud', network: 'Lab Network' }, { wait: WAIT }),
    );
    expect(error.kind).toBe('conflict');
    expect(sentSince(rig, mark, 'create')).toHaveLength(0);
  });

  it('returns the created VM with what remains when setting CPU/RAM fails after creation', async () => {
    rig.sim.faults.failNext(1, { kind: 'http500', match: { api: GUEST, method: 'set' } });
    const outcome = await rig.vmm.createVmFromImage(
      { name: 'half-made', image: 'debian-12-cloud', network: 'Lab Network', vcpus: 2, ram_mb: 2048, power_on: true },
      { wait: WAIT },
    );
    expect(outcome.finished).toBe(true);
    expect(outcome.vm).toMatchObject({ name: 'half-made', status: 'stopped' });
    expect(outcome.remaining).toHaveLength(2);
    expect(outcome.remaining[0]).toMatch(/^set vcpus=2, ram_mb=2048 with update_vm \(failed: /);
    expect(outcome.remaining[1]).toMatch(/^power on \(skipped/);
    expect(rig.sim.state.vmNamed('half-made')).toBeDefined();
  });

  it('returns the created VM with the power-on failure explained when no host has enough CPU threads', async () => {
    const outcome = await rig.vmm.createVmFromImage(
      { name: 'too-big', image: 'debian-12-cloud', network: 'Lab Network', vcpus: 64, power_on: true },
      { wait: WAIT },
    );
    expect(outcome.vm).toMatchObject({ name: 'too-big', vcpus: 64, status: 'stopped' });
    expect(outcome.remaining).toHaveLength(1);
    expect(outcome.remaining[0]).toMatch(
      /^power on \(failed: Cannot power on VM "too-big" \(64 vCPUs, 1024 MiB\): not enough CPU threads on host "nas-0\d", which has \d+ threads? and \d+ MiB free; no host can take it now/,
    );
  });

  it('creates a VM from explicit parts without waiting, naming what is left to do', async () => {
    const mark = rig.sim.stats.requests.length;
    const outcome = await rig.vmm.createVm(
      {
        name: 'parts-01',
        storage: 'nas-02 - VM Storage 1',
        vcpus: 3,
        disks: [{ size_gb: 10 }, { image: 'ubuntu-24.04-cloud' }],
        networks: ['Default VM Network', 'Lab Network'],
      },
      {},
    );
    expect(outcome.finished).toBe(false);
    expect(outcome.vm).toBeUndefined();
    expect(outcome.remaining).toEqual([`set vcpus=3 with update_vm (after task ${outcome.task.id} finishes)`]);
    const [create] = sentSince(rig, mark, 'create');
    expect(JSON.parse(create?.params.vdisks ?? '[]')).toEqual([
      { create_type: 0, vdisk_size: 10240 },
      { create_type: 1, image_id: rig.sim.state.imageNamed('ubuntu-24.04-cloud')?.id },
    ]);
    expect(JSON.parse(create?.params.vnics ?? '[]')).toHaveLength(2);
    const done = await rig.vmm.waitForTask(outcome.task.id, WAIT);
    expect(done.done).toBe(true);
    expect(done.value.vm_id).toBe(rig.sim.state.vmNamed('parts-01')?.id);
  });

  it('creates a VM from explicit parts and waits, then sets CPU and memory', async () => {
    const outcome = await rig.vmm.createVm(
      { name: 'parts-02', storage: 'nas-01 - VM Storage 1', vcpus: 2, ram_mb: 1536, disks: [{ size_gb: 1 }], networks: [] },
      { wait: WAIT },
    );
    expect(outcome).toMatchObject({ finished: true, remaining: [], vm: { name: 'parts-02', vcpus: 2, ram_mb: 1536, nics: [] } });
  });

  it('rejects a disk size that is not positive', async () => {
    const error = await failure(
      rig.vmm.createVm({ name: 'parts-03', storage: 'nas-01 - VM Storage 1', disks: [{ size_gb: 0 }], networks: [] }, {}),
    );
    expect(error.kind).toBe('invalid_input');
  });
});

describe('creating VMs with a single storage and network', () => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({
      style: 'official',
      inventory: {
        hosts: [{ name: 'solo', cpuThreads: 4, ramMb: 8192 }],
        storages: [{ name: 'solo - VM Storage 1', host: 'solo', sizeMb: 1_000_000 }],
        networks: ['Only Network'],
        images: [{ name: 'alpine', type: 'disk', sizeMb: 512 }],
      },
    });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('uses the only storage and the only network when none is given', async () => {
    const outcome = await rig.vmm.createVmFromImage({ name: 'tiny', image: 'alpine' }, { wait: WAIT });
    expect(outcome.vm).toMatchObject({ storage: { name: 'solo - VM Storage 1' }, host: { name: 'solo' } });
    expect(outcome.vm?.nics.map((nic) => nic.network?.name)).toEqual(['Only Network']);
  });
});

describe('creating VMs where the defaults cannot be picked', () => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({
      style: 'official',
      inventory: {
        hosts: [{ name: 'left', cpuThreads: 4, ramMb: 8192 }, { name: 'right', cpuThreads: 4, ramMb: 8192 }],
        storages: [
          { name: 'left - VM Storage 1', host: 'left', sizeMb: 1_000_000 },
          { name: 'right - VM Storage 1', host: 'right', sizeMb: 1_000_000 },
        ],
        networks: ['Lab A', 'Lab B'],
        images: [{ name: 'alpine', type: 'disk', sizeMb: 512, storages: ['left - VM Storage 1', 'right - VM Storage 1'] }],
      },
    });
    // The demo VMs fill these storages too; leave 0.5 GiB free on one and 2 GiB on the other.
    const free = { 'left - VM Storage 1': 512, 'right - VM Storage 1': 2048 };
    for (const [name, mb] of Object.entries(free)) {
      const storage = rig.sim.state.storageNamed(name);
      if (storage === undefined) throw new Error(`no storage ${name}`);
      storage.used_mb = storage.size_mb - mb;
    }
  });
  afterAll(async () => {
    await rig.close();
  });

  it('names every choice it cannot make in one error, with the candidates, before creating anything', async () => {
    const mark = rig.sim.stats.requests.length;
    const error = await failure(rig.vmm.createVmFromImage({ name: 'big', image: 'alpine', disk_size_gb: 4 }, { wait: WAIT }));
    expect(error.kind).toBe('invalid_input');
    // The 4 GiB data disk and the 0.5 GiB clone of the image, whose size this DSM 7 box's internal image list gives.
    expect(error.message).toMatch(/^VM "big" needs storage and network given: storage: no storage holding image alpine has the 4.5 GiB free the disks need: /);
    expect(error.message).toContain('left - VM Storage 1 (id ');
    expect(error.message).toContain('right - VM Storage 1 (id ');
    expect(error.message).toContain('; network: 2 networks exist and none is the single default: Lab A (id ');
    expect(error.message).toContain('Lab B (id ');
    expect(error.next).toBe('pass storage and network as one of the names or ids listed');
    expect(sentSince(rig, mark, 'create')).toHaveLength(0);
  });

  it('takes the storage where the disks fit when only one of the image\'s storages has room', async () => {
    const outcome = await rig.vmm.createVmFromImage({ name: 'small', image: 'alpine', network: 'Lab B', disk_size_gb: 1 }, { wait: WAIT });
    expect(outcome.vm?.storage?.name).toBe('right - VM Storage 1');
    expect(outcome.chosen).toEqual([expect.objectContaining({ argument: 'storage', name: 'right - VM Storage 1' })]);
  });
});
