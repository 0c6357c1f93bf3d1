import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { fastSimulator, getApi, login, until, vmm } from './simulator-helpers.js';

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const GUEST = 'SYNO.Virtualization.Guest';
const IMAGE = 'SYNO.Virtualization.Image';
const TASK = 'SYNO.Virtualization.API.Task.Info';

describe('simulator compact style', () => {
  it('lists the compact guest and image APIs beside Task.Info, Host, Storage and Network, without the official guest APIs', async () => {
    sim = await fastSimulator({ style: 'compact' });
    const answer = await getApi(sim, 'query.cgi', { api: 'SYNO.API.Info', version: '1', method: 'query', query: 'SYNO.Virtualization.' });
    expect(Object.keys(answer.data).sort()).toEqual([
      'SYNO.Virtualization.API.Host',
      'SYNO.Virtualization.API.Network',
      'SYNO.Virtualization.API.Storage',
      'SYNO.Virtualization.API.Task.Info',
      GUEST,
      IMAGE,
    ]);
    const sid = await login(sim);
    expect((await vmm(sim, sid, 'SYNO.Virtualization.API.Guest', 'list')).error?.code).toBe(102);
  });

  it('pages the guest list with offset and limit, reports the total, and sizes in bytes', async () => {
    sim = await fastSimulator({ style: 'compact' });
    const sid = await login(sim);
    const first = await vmm(sim, sid, GUEST, 'List', { offset: '0', limit: '2' });
    const rest = await vmm(sim, sid, GUEST, 'List', { offset: '2', limit: '100' });
    expect(first.data.total).toBe(6);
    expect(first.data.guests).toHaveLength(2);
    expect(rest.data.guests).toHaveLength(4);
    const win10 = [...first.data.guests, ...rest.data.guests].find((guest: { guest_name: string }) => guest.guest_name === 'win10');
    expect(win10).toMatchObject({ status: 'stopped', storage_size: 25600 * 1024 * 1024, autorun: 0, vcpu_num: 2, vram_size: 2048 });
    expect((await vmm(sim, sid, GUEST, 'list')).error?.code).toBe(103);
  });

  it('gets a guest with its networks, and its disks when additional names storage', async () => {
    sim = await fastSimulator({ style: 'compact' });
    const sid = await login(sim);
    const answer = await vmm(sim, sid, GUEST, 'Get', { guest_name: 'db-01', additional: 'network,storage' });
    expect(answer.data).toMatchObject({ guest_name: 'db-01', status: 'running', storage_name: 'nas-01 - VM Storage 1' });
    expect(answer.data.network.map((nic: { network_name: string }) => nic.network_name)).toEqual(['Default VM Network', 'Lab Network']);
    expect(answer.data.storage.map((disk: { size: number }) => disk.size)).toEqual([40960 * 1024 * 1024, 102400 * 1024 * 1024]);
  });

  it('powers on with a task that finishes when the guest runs, and answers 904 to a second PowerOn', async () => {
    sim = await fastSimulator({ style: 'compact' });
    const sid = await login(sim);
    const started = await vmm(sim, sid, GUEST, 'PowerOn', { guest_name: 'win10' });
    const taskId = started.data.task_id as string;
    const task = await until(() => vmm(sim!, sid, TASK, 'get', { task_id: taskId }), (answer) => answer.data?.finish === true);
    expect(task.data.finish).toBe(true);
    expect(sim.state.vmNamed('win10')?.status).toBe('running');
    expect((await vmm(sim, sid, GUEST, 'PowerOn', { guest_name: 'win10' })).error?.code).toBe(904);
  });

  it('stops a guest with PowerOff force=true and answers 907 when it is already off', async () => {
    sim = await fastSimulator({ style: 'compact' });
    const sid = await login(sim);
    await vmm(sim, sid, GUEST, 'PowerOff', { guest_name: 'web-01', force: 'true' });
    await until(() => vmm(sim!, sid, GUEST, 'Get', { guest_name: 'web-01' }), (answer) => answer.data.status === 'stopped');
    expect(sim.state.vmNamed('web-01')?.status).toBe('shutdown');
    expect((await vmm(sim, sid, GUEST, 'Shutdown', { guest_name: 'web-01' })).error?.code).toBe(907);
  });

  it('refuses CPU changes while running, sets autorun as 0/1, and rejects parameters the document does not list', async () => {
    sim = await fastSimulator({ style: 'compact' });
    const sid = await login(sim);
    expect((await vmm(sim, sid, GUEST, 'Set', { guest_name: 'db-01', vcpu_num: '2' })).error?.code).toBe(402);
    expect((await vmm(sim, sid, GUEST, 'Set', { guest_name: 'db-01', autorun: '0' })).success).toBe(true);
    expect(sim.state.vmNamed('db-01')?.autorun).toBe(0);
    const rename = await vmm(sim, sid, GUEST, 'Set', { guest_name: 'db-01', new_guest_name: 'db-02' });
    expect(rename.error).toEqual({ code: 401, errors: { name: 'new_guest_name', reason: 'not a parameter of Set' } });
  });

  it('creates an image from a guest with a task that names the image, then lists and deletes it', async () => {
    sim = await fastSimulator({ style: 'compact' });
    const sid = await login(sim);
    const vm = sim.state.vmNamed('win10')!;
    const created = await vmm(sim, sid, IMAGE, 'Create', { guest_id: vm.id, image_name: 'win10 golden', auto_clean_task: 'false' });
    expect(created.data.image_id).toMatch(/^[0-9a-f-]{36}$/);
    const task = await until(() => vmm(sim!, sid, TASK, 'get', { task_id: created.data.task_id }), (answer) => answer.data.finish === true);
    expect(task.data.task_info).toMatchObject({ image_id: created.data.image_id, progress: 100 });
    const list = await vmm(sim, sid, IMAGE, 'List', { limit: '10' });
    const image = list.data.images.find((item: { image_id: string }) => item.image_id === created.data.image_id);
    expect(image).toMatchObject({ image_name: 'win10 golden', type: 'vdisk', size: 25600 * 1024 * 1024 });
    expect(list.data.total).toBe(4);
    expect((await vmm(sim, sid, IMAGE, 'Delete', { image_name: 'win10 golden' })).success).toBe(true);
    expect(sim.state.imageNamed('win10 golden')).toBeUndefined();
  });
});
