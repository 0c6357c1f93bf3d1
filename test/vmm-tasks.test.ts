import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskId } from '../src/vmm/model.js';
import { Vmm } from '../src/vmm/operations.js';
import { failure, startRig, startedTask, type VmmRig } from './vmm-harness.js';

const TASK_INFO = 'SYNO.Virtualization.API.Task.Info';

describe('tasks, images and inventory (official style)', () => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({ style: 'official' });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('knows its capabilities exactly once it has asked', async () => {
    expect(rig.vmm.backend.capabilities.size).toBe(0);
    const capabilities = await rig.vmm.capabilities();
    // reboot: this DSM 7 box lists the internal Guest.Action beside the official family.
    expect([...capabilities].sort()).toEqual(['create_image_from_file', 'create_vm', 'hosts', 'networks', 'reboot', 'storages', 'tasks']);
    expect(rig.vmm.backend.style).toBe('dsm-official');
  });

  it('logs out of DSM when closed', async () => {
    const other = await startRig({ style: 'official' });
    await other.vmm.listHosts();
    await other.vmm.close();
    expect(other.sim.stats.logouts).toBe(1);
    await other.sim.close();
  });

  it('discovers the API style once for concurrent first calls', async () => {
    const other = await startRig({ style: 'compact' });
    try {
      await Promise.all([other.vmm.listHosts(), other.vmm.listNetworks(), other.vmm.resolveVm('win10'), other.vmm.capabilities()]);
      expect(other.requests('SYNO.API.Info')).toBe(1);
      expect(other.vmm.backend.style).toBe('dsm-compact');
    } finally {
      await other.close();
    }
  });

  it('lists hosts with CPU thread and memory capacity, storages with sizes, and networks', async () => {
    const [hosts, storages, networks] = await Promise.all([rig.vmm.listHosts(), rig.vmm.listStorages(), rig.vmm.listNetworks()]);
    const nas01 = rig.sim.state.hostNamed('nas-01');
    expect(hosts.find((host) => host.name === 'nas-01')).toMatchObject({
      status: 'running',
      cpu_threads: { total: 8, free: (nas01?.cpu_threads ?? 0) - (nas01?.reserved_cpu ?? 0) },
      ram_mb: { total: 16384 },
    });
    expect(storages.find((storage) => storage.name === 'nas-02 - VM Storage 1')).toMatchObject({
      host: { name: 'nas-02' },
      size_mb: 500_000,
      volume_path: '/volume1',
    });
    expect(networks.map((network) => network.name).sort()).toEqual(['Default VM Network', 'Lab Network']);
  });

  it('creates an image from a file, follows its task to the new image, and deletes the image by name', async () => {
    const task = await startedTask(rig.vmm.createImage({
      source: 'file',
      name: 'rocky-9',
      ds_file_path: '/images/rocky-9.qcow2',
      type: 'disk',
      storages: ['nas-01 - VM Storage 1'],
    }));
    const listed = await rig.vmm.listTasks();
    expect(listed.map((item) => item.id)).toContain(task.id);
    const outcome = await rig.vmm.waitForTask(task.id, { timeoutMs: 10_000 });
    expect(outcome).toMatchObject({ done: true, value: { finished: true, progress: 100 } });
    const images = await rig.vmm.listImages({ limit: 100, offset: 0 });
    const image = images.items.find((item) => item.id === outcome.value.image_id);
    expect(image).toMatchObject({ name: 'rocky-9', type: 'disk', storages: [{ name: 'nas-01 - VM Storage 1', status: 'online' }] });
    expect(await rig.vmm.deleteImage('rocky-9')).toMatchObject({ deleted: { name: 'rocky-9' } });
    expect(rig.sim.state.imageNamed('rocky-9')).toBeUndefined();
  });

  it('asks which storage an image goes to when several exist', async () => {
    const error = await failure(rig.vmm.createImage({ source: 'file', name: 'x', ds_file_path: '/images/x.img', type: 'iso' }));
    expect(error.kind).toBe('invalid_input');
    expect(error.message).toContain('nas-02 - VM Storage 1');
  });

  it('says the official API cannot make an image from a VM and what to do instead', async () => {
    const error = await failure(rig.vmm.createImage({ source: 'vm', name: 'from-web', vm: 'web-01' }));
    expect(error.kind).toBe('unsupported');
    expect(error.message).toContain('dsm-official');
    expect(error.next).toContain('ds_file_path');
  });

  it('pages images with total and next_offset', async () => {
    const page = await rig.vmm.listImages({ limit: 2, offset: 0 });
    expect(page).toMatchObject({ total: 3, next_offset: 2 });
    expect(page.items).toHaveLength(2);
  });

  it('answers an unknown task id with not_found and a pointer to list_tasks (1000)', async () => {
    const error = await failure(rig.vmm.getTask('@administrators/no-such-task'));
    expect(error.kind).toBe('not_found');
    expect(error.next).toContain('list_tasks');
    expect(error.dsm).toBeUndefined();
    const waited = await failure(rig.vmm.waitForTask('@administrators/no-such-task' as TaskId, { timeoutMs: 1_000 }));
    expect(waited.kind).toBe('not_found');
  });

  it('reports clearly when a task it saw running disappears (auto-cleaned or lost)', async () => {
    const task = await startedTask(rig.vmm.createImage({
      source: 'file',
      name: 'vanishing',
      ds_file_path: '/images/vanishing.img',
      type: 'disk',
      storages: ['nas-02 - VM Storage 1'],
    }));
    const error = await failure(
      rig.vmm.waitForTask(task.id, { timeoutMs: 10_000, onProgress: () => rig.sim.state.tasks.delete(task.id) }),
    );
    expect(error.kind).toBe('not_found');
    expect(error.message).toContain('disappeared');
    expect(error.message).toMatch(/auto-clean/);
  });
});

describe('waiting on slow tasks (official style)', () => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({ style: 'official', taskDurationMs: 600_000, powerSettleMs: 600_000 });
  });
  afterAll(async () => {
    await rig.close();
  });

  async function startImage(name: string): Promise<TaskId> {
    const task = await startedTask(rig.vmm.createImage({
      source: 'file',
      name,
      ds_file_path: `/images/${name}.img`,
      type: 'disk',
      storages: ['nas-01 - VM Storage 1'],
    }));
    return task.id;
  }

  it('answers a wait that runs out of time with done=false and the last task state, not an error', async () => {
    const id = await startImage('slow-1');
    const outcome = await rig.vmm.waitForTask(id, { timeoutMs: 30 });
    expect(outcome).toMatchObject({ done: false, reason: 'timeout', value: { id, finished: false } });
    expect(outcome.value.progress).toBeLessThan(100);
  });

  it('stops waiting with a cancellation as soon as the signal aborts, even mid-pause', async () => {
    const id = await startImage('slow-2');
    const patient = new Vmm(rig.vmm.backend, { pollMs: 600_000 });
    const controller = new AbortController();
    const error = await failure(
      patient.waitForTask(id, { timeoutMs: 600_000, signal: controller.signal, onProgress: () => controller.abort() }),
    );
    expect(error.kind).toBe('cancelled');
  });

  it('refuses to start waiting on an already aborted signal without asking DSM', async () => {
    const id = await startImage('slow-3');
    const before = rig.requests(TASK_INFO);
    const error = await failure(rig.vmm.waitForTask(id, { timeoutMs: 10_000, signal: AbortSignal.abort() }));
    expect(error.kind).toBe('cancelled');
    expect(rig.requests(TASK_INFO)).toBe(before);
  });

  it('backs off between polls: a long wait costs few requests', async () => {
    const id = await startImage('slow-4');
    const backingOff = new Vmm(rig.vmm.backend, { pollMs: 10, maxPollMs: 100 });
    const before = rig.requests(TASK_INFO, 'get');
    let polls = 0;
    await backingOff.waitForTask(id, { timeoutMs: 1_000, onProgress: () => (polls += 1) });
    const requests = rig.requests(TASK_INFO, 'get') - before;
    // A fixed 10 ms pause would need about 100 polls for one second; the schedule grows to 100 ms.
    expect(requests).toBe(polls);
    expect(requests).toBeLessThanOrEqual(25);
  });

  it('returns the task and the steps left when a create outlasts the wait', async () => {
    const outcome = await rig.vmm.createVmFromImage(
      { name: 'slow-vm', image: 'debian-12-cloud', network: 'Lab Network', ram_mb: 2048, power_on: true },
      { wait: { timeoutMs: 30 } },
    );
    expect(outcome.finished).toBe(false);
    expect(outcome.vm).toBeUndefined();
    expect(outcome.remaining).toEqual([
      `set ram_mb=2048 with update_vm (after task ${outcome.task.id} finishes)`,
      `power on (after task ${outcome.task.id} finishes)`,
    ]);
    expect(outcome.warnings.join(' ')).toContain('wait_task');
  });

  it('names the VM and its task when a create is cancelled while waiting', async () => {
    const controller = new AbortController();
    const error = await failure(
      rig.vmm.createVmFromImage(
        { name: 'cancelled-vm', image: 'debian-12-cloud', network: 'Lab Network' },
        { wait: { timeoutMs: 600_000, signal: controller.signal, onProgress: () => controller.abort() } },
      ),
    );
    expect(error.kind).toBe('cancelled');
    expect(error.message).toContain('cancelled-vm');
    expect(rig.sim.state.vmNamed('cancelled-vm')).toBeDefined();
  });

  it('waits for a VM status until the time is up and reports where it stands', async () => {
    const vm = await rig.vmm.resolveVm('win10');
    await rig.vmm.powerOn('win10', {});
    const outcome = await rig.vmm.waitForStatus(vm.id, ['running'], { timeoutMs: 20 });
    expect(outcome).toMatchObject({ done: false, reason: 'timeout', value: { status: 'booting' } });
  });
});
