import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type SimulatorHandle, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';
import { fastSimulator, login, until, vmm } from './simulator-helpers.js';

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const GUEST = 'SYNO.Virtualization.API.Guest';
const ACTION = 'SYNO.Virtualization.API.Guest.Action';
const IMAGE = 'SYNO.Virtualization.API.Guest.Image';
const TASK = 'SYNO.Virtualization.API.Task.Info';
const STORAGE_1 = 'nas-01 - VM Storage 1';

async function started(options: SimulatorOptions = {}): Promise<{ sim: SimulatorHandle; sid: string }> {
  sim = await fastSimulator({ taskDurationMs: 200, taskCleanMs: 100, ...options });
  return { sim, sid: await login(sim) };
}

function createParams(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    guest_name: name,
    storage_name: STORAGE_1,
    vdisks: JSON.stringify([{ create_type: 0, vdisk_size: 10240 }]),
    vnics: JSON.stringify([{ network_name: 'Lab Network' }]),
    ...extra,
  };
}

describe('simulator official guests', () => {
  it('lists guests with their host, and disks and NICs only with additional=true', async () => {
    const { sim, sid } = await started();
    const plain = await vmm(sim, sid, GUEST, 'list');
    const full = await vmm(sim, sid, GUEST, 'list', { additional: 'true' });
    expect(plain.data.guests.map((guest: { guest_name: string }) => guest.guest_name)).toEqual(['win10', 'web-01', 'db-01', 'lab-router', 'ci runner (old)', 'analytics-01']);
    expect(plain.data.guests[1]).toMatchObject({ status: 'running', host_name: 'nas-01', storage_name: STORAGE_1 });
    expect(plain.data.guests[1].vdisks).toBeUndefined();
    expect(full.data.guests[2].vdisks.map((disk: { vdisk_size: number }) => disk.vdisk_size)).toEqual([40960, 102400]);
    expect(full.data.guests[2].vnics.map((nic: { network_name: string }) => nic.network_name)).toEqual(['Default VM Network', 'Lab Network']);
  });

  it('sends disks and NICs in the plain list too when set up like the guide\'s example of that request', async () => {
    const { sim, sid } = await started({ guestListDevicesAlways: true });
    const plain = await vmm(sim, sid, GUEST, 'list');
    expect(plain.data.guests[2].vdisks.map((disk: { vdisk_size: number }) => disk.vdisk_size)).toEqual([40960, 102400]);
    expect(plain.data.guests[2].vnics).toHaveLength(2);
  });

  it('reports host capacity net of running VMs, and storage use net of their disks', async () => {
    const { sim, sid } = await started();
    const hosts = await vmm(sim, sid, 'SYNO.Virtualization.API.Host', 'list');
    expect(hosts.data.hosts).toEqual([
      expect.objectContaining({ host_name: 'nas-01', total_cpu_core: 8, free_cpu_core: 2, total_ram_size: 16384, free_ram_size: 4096, status: 'running' }),
      expect.objectContaining({ host_name: 'nas-02', total_cpu_core: 4, free_cpu_core: 3, total_ram_size: 8192, free_ram_size: 7168 }),
    ]);
    const storages = await vmm(sim, sid, 'SYNO.Virtualization.API.Storage', 'list');
    expect(storages.data.storages[0]).toMatchObject({ storage_name: STORAGE_1, host_name: 'nas-01', volume_path: '/volume1', size: 2_000_000, used: 120_000 + 25600 + 20480 + 40960 + 102400 + 51200 });
    const networks = await vmm(sim, sid, 'SYNO.Virtualization.API.Network', 'list');
    expect(networks.data.networks.map((network: { network_name: string }) => network.network_name)).toEqual(['Default VM Network', 'Lab Network']);
  });

  it('creates a VM through a task whose progress grows, shows it creating, then shut down, and cleans the task', async () => {
    const { sim, sid } = await started();
    const storage = sim.state.storageNamed(STORAGE_1)!;
    const usedBefore = storage.used_mb;
    const created = await vmm(sim, sid, GUEST, 'create', createParams('app-01'));
    const taskId = created.data.task_id as string;
    expect(taskId).toMatch(/^@administrators\/virtualization_api_guest_create[0-9A-F]{16}$/);
    const early = await vmm(sim, sid, TASK, 'get', { task_id: taskId });
    expect(early.data.finish).toBe(false);
    expect(early.data.task_info.progress).toBeLessThan(100);
    expect((await vmm(sim, sid, GUEST, 'get', { guest_name: 'app-01' })).data.status).toBe('creating');
    expect(storage.used_mb).toBe(usedBefore + 10240);
    expect((await vmm(sim, sid, TASK, 'list')).data.task_ids).toContain(taskId);

    const done = await until(sim, () => vmm(sim, sid, TASK, 'get', { task_id: taskId }), (answer) => answer.data?.finish === true);
    expect(done.data.task_info).toEqual({ auto_clean_task: true, progress: 100, status: 'create', guest_id: early.data.task_info.guest_id });
    const guest = await vmm(sim, sid, GUEST, 'get', { guest_id: done.data.task_info.guest_id });
    expect(guest.data).toMatchObject({ guest_name: 'app-01', status: 'shutdown', vdisks: [expect.objectContaining({ vdisk_size: 10240 })] });
    expect(guest.data.vnics[0]).toMatchObject({ network_name: 'Lab Network', mac: expect.stringMatching(/^02:11:32:/) });

    const cleaned = await until(sim, () => vmm(sim, sid, TASK, 'get', { task_id: taskId }), (answer) => answer.error?.code === 1000);
    expect(cleaned.error?.code).toBe(1000);
  });

  it('keeps a task created with auto_clean_task=false readable until it is cleared', async () => {
    const clock = new ManualClock();
    const { sim, sid } = await started({ clock, taskCleanMs: 60_000 });
    const created = await vmm(sim, sid, GUEST, 'create', createParams('kept', { auto_clean_task: 'false' }));
    const taskId = created.data.task_id as string;
    clock.advance(200);
    expect((await vmm(sim, sid, TASK, 'get', { task_id: taskId })).data).toMatchObject({ finish: true, task_info: { auto_clean_task: false } });
    expect((await vmm(sim, sid, TASK, 'clear', { task_id: taskId })).success).toBe(true);
    expect((await vmm(sim, sid, TASK, 'get', { task_id: taskId })).error?.code).toBe(1000);
    expect((await vmm(sim, sid, TASK, 'clear', { task_id: taskId })).error?.code).toBe(1000);
  });

  it('still cleans a finished create task about a minute after it finished, as the guide says, even with auto_clean_task=false', async () => {
    const clock = new ManualClock();
    const { sim, sid } = await started({ clock, taskCleanMs: 60_000 });
    const guestTask = (await vmm(sim, sid, GUEST, 'create', createParams('cleaned', { auto_clean_task: 'false' }))).data.task_id as string;
    const imageTask = (await vmm(sim, sid, IMAGE, 'create', {
      image_name: 'cleaned-image', type: 'disk', ds_file_path: '/images/c.img', storage_names: JSON.stringify([STORAGE_1]), auto_clean_task: 'false',
    })).data.task_id as string;
    clock.advance(200);
    clock.advance(59_000);
    for (const taskId of [guestTask, imageTask]) expect((await vmm(sim, sid, TASK, 'get', { task_id: taskId })).data.finish).toBe(true);
    clock.advance(2_000);
    for (const taskId of [guestTask, imageTask]) expect((await vmm(sim, sid, TASK, 'get', { task_id: taskId })).error?.code).toBe(1000);
    expect((await vmm(sim, sid, TASK, 'list')).data.task_ids).toEqual([]);
    expect(sim.state.vmNamed('cleaned')?.status).toBe('shutdown');
  });

  it('clones an image disk by name at the image size', async () => {
    const { sim, sid } = await started();
    const vdisks = JSON.stringify([{ create_type: 1, image_name: 'debian-12-cloud' }]);
    const created = await vmm(sim, sid, GUEST, 'create', createParams('from-image', { vdisks }));
    expect(created.success).toBe(true);
    expect(sim.state.vmNamed('from-image')?.disks.map((disk) => disk.size_mb)).toEqual([2048]);
  });

  it('rejects create parameters real boxes reject: CPU and memory (401 naming it), a taken name (403), a missing image (906), an ISO to clone (401), a MAC in use (905)', async () => {
    const { sim, sid } = await started();
    expect((await vmm(sim, sid, GUEST, 'create', createParams('x', { vcpu_num: '2' }))).error).toEqual({
      code: 401, errors: { name: 'vcpu_num', reason: 'not a parameter of create; set it with set once the guest exists' },
    });
    expect((await vmm(sim, sid, GUEST, 'create', createParams('x', { vram_size: '2048' }))).error?.code).toBe(401);
    expect((await vmm(sim, sid, GUEST, 'create', createParams('win10'))).error?.code).toBe(403);
    const missing = JSON.stringify([{ create_type: 1, image_name: 'no-such-image' }]);
    expect((await vmm(sim, sid, GUEST, 'create', createParams('x', { vdisks: missing }))).error?.code).toBe(906);
    const iso = JSON.stringify([{ create_type: 1, image_name: 'ubuntu-24.04-live.iso' }]);
    expect((await vmm(sim, sid, GUEST, 'create', createParams('x', { vdisks: iso }))).error?.code).toBe(401);
    expect((await vmm(sim, sid, GUEST, 'create', createParams('x', { vdisks: 'not json' }))).error?.code).toBe(401);
    expect((await vmm(sim, sid, GUEST, 'create', createParams('x', { storage_name: 'nowhere' }))).error?.code).toBe(401);
    const takenMac = sim.state.vmNamed('win10')!.nics[0]!.mac.toUpperCase();
    const clash = JSON.stringify([{ network_name: 'Lab Network', mac: takenMac }]);
    expect((await vmm(sim, sid, GUEST, 'create', createParams('x', { vnics: clash }))).error?.code).toBe(905);
    expect(sim.state.vmsNamed('x')).toEqual([]);
  });

  it('refuses a create that does not fit the storage, with the free and needed space', async () => {
    const { sim, sid } = await started();
    const huge = JSON.stringify([{ create_type: 0, vdisk_size: 50_000_000 }]);
    const answer = await vmm(sim, sid, GUEST, 'create', createParams('huge', { vdisks: huge }));
    expect(answer.error?.code).toBe(402);
    expect(answer.error?.errors.reason).toMatch(/insufficient space on storage nas-01 - VM Storage 1: free \d+ MB, needed 50000000 MB/);
  });

  it('round-trips names with spaces, commas, quotes, backslashes and non-ASCII through create, get and rename', async () => {
    const { sim, sid } = await started();
    const name = 'web, "prod" \\ Zürich — 東京 1';
    expect((await vmm(sim, sid, GUEST, 'create', createParams(name))).success).toBe(true);
    expect((await vmm(sim, sid, GUEST, 'get', { guest_name: name })).data.guest_name).toBe(name);
    const renamed = `${name} (old)`;
    expect((await vmm(sim, sid, GUEST, 'set', { guest_name: name, new_guest_name: renamed, description: 'a "quoted", description' })).success).toBe(true);
    const guest = await vmm(sim, sid, GUEST, 'get', { guest_name: renamed });
    expect(guest.data).toMatchObject({ guest_name: renamed, description: 'a "quoted", description' });
    expect(sim.state.vmsNamed(name)).toEqual([]);
  });

  it('sets CPU and memory only while shut down (402 otherwise), and refuses a rename to a taken name (403)', async () => {
    const { sim, sid } = await started();
    const running = await vmm(sim, sid, GUEST, 'set', { guest_name: 'web-01', vcpu_num: '4' });
    expect(running.error).toEqual({ code: 402, errors: { reason: 'VM must be shut down to change CPU/RAM', status: 'running' } });
    expect((await vmm(sim, sid, GUEST, 'set', { guest_name: 'web-01', autorun: '1' })).success).toBe(true);
    expect((await vmm(sim, sid, GUEST, 'set', { guest_name: 'win10', vcpu_num: '4', vram_size: '4096' })).success).toBe(true);
    expect(sim.state.vmNamed('win10')).toMatchObject({ vcpus: 4, ram_mb: 4096 });
    expect((await vmm(sim, sid, GUEST, 'set', { guest_name: 'win10', new_guest_name: 'db-01' })).error?.code).toBe(403);
    expect((await vmm(sim, sid, GUEST, 'set', { guest_name: 'win10', autorun: '3' })).error?.code).toBe(401);
  });

  it('deletes a shut-down VM and frees its storage, and refuses to delete a running one (904)', async () => {
    const { sim, sid } = await started();
    const storage = sim.state.storageNamed(STORAGE_1)!;
    const before = storage.used_mb;
    expect((await vmm(sim, sid, GUEST, 'delete', { guest_name: 'web-01' })).error?.code).toBe(904);
    expect((await vmm(sim, sid, GUEST, 'delete', { guest_name: 'win10' })).success).toBe(true);
    expect(storage.used_mb).toBe(before - 25600);
    expect((await vmm(sim, sid, GUEST, 'get', { guest_name: 'win10' })).error?.code).toBe(401);
  });
});

describe('simulator official power actions', () => {
  it('boots a VM on the host with the most free memory, then runs it; a second poweron answers 904', async () => {
    const clock = new ManualClock();
    const { sim, sid } = await started({ clock });
    expect(await vmm(sim, sid, ACTION, 'poweron', { guest_name: 'win10' })).toEqual({ success: true });
    expect((await vmm(sim, sid, GUEST, 'get', { guest_name: 'win10' })).data).toMatchObject({ status: 'booting', host_name: 'nas-02' });
    clock.advance(30);
    const running = await vmm(sim, sid, GUEST, 'get', { guest_name: 'win10' });
    expect(running.data.status).toBe('running');
    expect(sim.state.hostNamed('nas-02')).toMatchObject({ reserved_cpu: 3, reserved_ram_mb: 3072 });
    expect((await vmm(sim, sid, ACTION, 'poweron', { guest_name: 'win10' })).error?.code).toBe(904);
  });

  it('powers on where asked by host name, and refuses with 903 when memory does not fit and 902 only when the VM has more vCPUs than the host has threads', async () => {
    const { sim, sid } = await started();
    expect((await vmm(sim, sid, ACTION, 'poweron', { guest_name: 'win10', host_name: 'nas-01' })).success).toBe(true);
    expect(sim.state.vmNamed('win10')?.host_id).toBe(sim.state.hostNamed('nas-01')?.id);
    await vmm(sim, sid, GUEST, 'set', { guest_name: 'ci runner (old)', vram_size: '4096' });
    const tooBig = await vmm(sim, sid, ACTION, 'poweron', { guest_name: 'ci runner (old)', host_name: 'nas-01' });
    expect(tooBig.error).toEqual({ code: 903, errors: { reason: 'insufficient memory on host nas-01: free 2048 MB, wanted 4096 MB' } });
    // nas-02 has 4 threads and lab-router holds one: DSM overcommits, so 4 vCPUs still start there.
    await vmm(sim, sid, GUEST, 'set', { guest_name: 'ci runner (old)', vcpu_num: '4', vram_size: '512' });
    expect((await vmm(sim, sid, ACTION, 'poweron', { guest_name: 'ci runner (old)', host_name: 'nas-02' })).success).toBe(true);
    await vmm(sim, sid, ACTION, 'poweroff', { guest_name: 'ci runner (old)' });
    await vmm(sim, sid, GUEST, 'set', { guest_name: 'ci runner (old)', vcpu_num: '16' });
    const tooManyCpus = await vmm(sim, sid, ACTION, 'poweron', { guest_name: 'ci runner (old)' });
    expect(tooManyCpus.error?.code).toBe(902);
    expect(tooManyCpus.error?.errors.reason).toMatch(/insufficient CPU threads on host nas-0\d: it has \d, wanted 16/);
    expect((await vmm(sim, sid, ACTION, 'poweron', { guest_name: 'win10', host_name: 'nas-09' })).error?.code).toBe(401);
  });

  it('shuts a VM down through shutting_down and frees its host; stopping a stopped VM answers 907', async () => {
    const { sim, sid } = await started();
    expect((await vmm(sim, sid, ACTION, 'shutdown', { guest_name: 'lab-router' })).success).toBe(true);
    expect(sim.state.vmNamed('lab-router')?.status).toBe('shutting_down');
    await until(sim, async () => sim.state.vmNamed('lab-router')?.status, (status) => status === 'shutdown');
    expect(sim.state.hostNamed('nas-02')).toMatchObject({ reserved_cpu: 0, reserved_ram_mb: 0 });
    expect((await vmm(sim, sid, ACTION, 'shutdown', { guest_name: 'lab-router' })).error?.code).toBe(907);
    expect((await vmm(sim, sid, ACTION, 'poweroff', { guest_name: 'lab-router' })).error?.code).toBe(907);
  });

  it('forces a VM off at once', async () => {
    const { sim, sid } = await started();
    expect((await vmm(sim, sid, ACTION, 'poweroff', { guest_name: 'web-01' })).success).toBe(true);
    expect((await vmm(sim, sid, GUEST, 'get', { guest_name: 'web-01' })).data.status).toBe('shutdown');
  });
});

describe('simulator official images', () => {
  it('lists images with their storages and type', async () => {
    const { sim, sid } = await started();
    const answer = await vmm(sim, sid, IMAGE, 'list');
    expect(answer.data.images.map((image: { image_name: string; type: string }) => [image.image_name, image.type])).toEqual([
      ['ubuntu-24.04-cloud', 'disk'], ['debian-12-cloud', 'disk'], ['ubuntu-24.04-live.iso', 'iso'],
    ]);
    expect(answer.data.images[0].storages).toHaveLength(2);
    expect(answer.data.images[0].storages[0]).toMatchObject({ status: 'online', storage_name: STORAGE_1 });
  });

  it('creates an image from a NAS file through a task naming the image, and deletes it by name', async () => {
    const { sim, sid } = await started();
    const created = await vmm(sim, sid, IMAGE, 'create', {
      image_name: 'rocky-9', type: 'disk', ds_file_path: '/images/rocky-9.qcow2', storage_names: JSON.stringify([STORAGE_1]),
    });
    const taskId = created.data.task_id as string;
    const first = await vmm(sim, sid, TASK, 'get', { task_id: taskId });
    expect(first.data.task_info.image_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await vmm(sim, sid, IMAGE, 'create', { image_name: 'rocky-9', type: 'iso', ds_file_path: '/images/x.iso', storage_names: JSON.stringify([STORAGE_1]) })).error?.code).toBe(403);
    await until(sim, () => vmm(sim, sid, TASK, 'get', { task_id: taskId }), (answer) => answer.data?.finish === true);
    expect(sim.state.images.get(first.data.task_info.image_id)).toMatchObject({ name: 'rocky-9', type: 'disk' });
    expect((await vmm(sim, sid, IMAGE, 'delete', { image_name: 'rocky-9' })).success).toBe(true);
    expect(sim.state.imageNamed('rocky-9')).toBeUndefined();
  });

  it('rejects an image path outside a shared folder, an unknown type and a missing storage list with 401', async () => {
    const { sim, sid } = await started();
    const base = { image_name: 'bad', type: 'disk', ds_file_path: '/share/file.img', storage_names: JSON.stringify([STORAGE_1]) };
    expect((await vmm(sim, sid, IMAGE, 'create', { ...base, ds_file_path: 'file.img' })).error?.errors).toMatchObject({ name: 'ds_file_path' });
    expect((await vmm(sim, sid, IMAGE, 'create', { ...base, ds_file_path: '/file.img' })).error?.code).toBe(401);
    expect((await vmm(sim, sid, IMAGE, 'create', { ...base, type: 'qcow' })).error?.errors).toMatchObject({ name: 'type' });
    expect((await vmm(sim, sid, IMAGE, 'create', { ...base, storage_names: '[]' })).error?.errors).toMatchObject({ name: 'storage_ids' });
    expect((await vmm(sim, sid, IMAGE, 'delete', {})).error?.code).toBe(401);
  });
});
