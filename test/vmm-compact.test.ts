import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startRig, startedTask, type VmmRig } from './vmm-harness.js';

const GUEST = 'SYNO.Virtualization.Guest';
const IMAGE = 'SYNO.Virtualization.Image';

describe('compact style specifics', () => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({ style: 'compact' });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('picks the compact style from discovery and has no VM create or image-from-file', async () => {
    const capabilities = await rig.vmm.capabilities();
    expect(rig.vmm.backend.style).toBe('dsm-compact');
    expect(capabilities.has('create_vm')).toBe(false);
    expect(capabilities.has('create_image_from_file')).toBe(false);
    expect(capabilities.has('create_image_from_vm')).toBe(true);
  });

  it('refuses create_vm naming the style and the alternative, without sending anything', async () => {
    const before = rig.sim.stats.requests.length;
    const error = await failure(
      rig.vmm.createVm({ name: 'new', storage: 'nas-01 - VM Storage 1', disks: [{ size_gb: 1 }], networks: [] }, {}),
    );
    expect(error.kind).toBe('unsupported');
    expect(error.message).toContain('dsm-compact');
    expect(error.next).toContain('web UI');
    expect(rig.sim.stats.requests.length).toBe(before);
  });

  it('refuses create_vm_from_image the same way', async () => {
    const error = await failure(rig.vmm.createVmFromImage({ name: 'new', image: 'debian-12-cloud' }, { wait: { timeoutMs: 1_000 } }));
    expect(error.kind).toBe('unsupported');
    expect(error.message).toContain('compact');
  });

  it('refuses an image from a file and points to making one from a VM', async () => {
    const error = await failure(
      rig.vmm.createImage({ source: 'file', name: 'x', ds_file_path: '/images/x.img', type: 'disk', storages: ['nas-01 - VM Storage 1'] }),
    );
    expect(error.kind).toBe('unsupported');
    expect(error.next).toContain("source 'vm'");
  });

  it('makes an image from a VM and follows the task to it', async () => {
    const task = await startedTask(rig.vmm.createImage({ source: 'vm', name: 'win10-image', vm: 'win10' }));
    const create = rig.sim.stats.requests.filter((request) => request.api === IMAGE && request.method === 'Create').at(-1);
    expect(create?.params).toMatchObject({ guest_id: rig.sim.state.vmNamed('win10')?.id, image_name: 'win10-image' });
    const outcome = await rig.vmm.waitForTask(task.id, { timeoutMs: 10_000 });
    expect(outcome.done).toBe(true);
    const images = await rig.vmm.listImages({ limit: 100, offset: 0 });
    expect(images.items.find((image) => image.name === 'win10-image')).toMatchObject({ type: 'disk' });
  });

  it('deletes an image by name', async () => {
    const { deleted } = await rig.vmm.deleteImage('win10-image');
    expect(deleted.name).toBe('win10-image');
    expect(rig.sim.state.imageNamed('win10-image')).toBeUndefined();
  });

  it('reads hosts, storages, networks and tasks through the official APIs listed beside the compact ones', async () => {
    const task = await startedTask(rig.vmm.createImage({ source: 'vm', name: 'db-image', vm: 'db-01' }));
    const [hosts, storages, networks, tasks, one] = await Promise.all([
      rig.vmm.listHosts(),
      rig.vmm.listStorages(),
      rig.vmm.listNetworks(),
      rig.vmm.listTasks(),
      rig.vmm.getTask(task.id),
    ]);
    expect(hosts.map((host) => host.name).sort()).toEqual(['nas-01', 'nas-02']);
    expect(storages).toHaveLength(2);
    expect(networks).toHaveLength(2);
    expect(tasks.map((item) => item.id)).toContain(task.id);
    expect(one).toMatchObject({ id: task.id, image_id: task.image_id });
  });

  it('reports image and disk sizes, sent in bytes, in MiB', async () => {
    const images = await rig.vmm.listImages({ limit: 100, offset: 0 });
    const vm = await rig.vmm.getVm('db-01');
    expect(images.items.find((image) => image.name === 'debian-12-cloud')?.size_mb).toBe(2048);
    expect(vm.disks.map((disk) => disk.size_mb)).toEqual([40960, 102400]);
    expect(vm.storage?.name).toBe('nas-01 - VM Storage 1');
  });

  it('fills in the network ids that the compact Get leaves out, from the network list', async () => {
    const vm = await rig.vmm.getVm('db-01');
    expect(vm.nics.map((nic) => nic.network)).toEqual([
      { id: rig.sim.state.networkNamed('Default VM Network')?.id, name: 'Default VM Network' },
      { id: rig.sim.state.networkNamed('Lab Network')?.id, name: 'Lab Network' },
    ]);
  });

  it('maps autorun 0/1 to off/on and refuses last_state', async () => {
    expect((await rig.vmm.getVm('web-01')).autorun).toBe('on');
    expect((await rig.vmm.getVm('win10')).autorun).toBe('off');
    const error = await failure(rig.vmm.updateVm('win10', { autorun: 'last_state' }));
    expect(error.kind).toBe('unsupported');
  });

  it('refuses a rename, which the compact API cannot do', async () => {
    const error = await failure(rig.vmm.updateVm('win10', { new_name: 'win11' }));
    expect(error.kind).toBe('unsupported');
    expect(rig.sim.state.vmNamed('win10')).toBeDefined();
  });

  it('refuses to choose a host at power on, which the compact API does not document', async () => {
    const before = rig.sim.stats.requests.length;
    const error = await failure(rig.vmm.powerOn('win10', { host: 'nas-02' }));
    expect(error.kind).toBe('unsupported');
    expect(rig.sim.stats.requests.slice(before).some((request) => request.method === 'PowerOn')).toBe(false);
  });

  it('forces power off with force=true', async () => {
    await rig.vmm.powerOff('lab-router', { wait: { timeoutMs: 10_000 } });
    const powerOff = rig.sim.stats.requests.filter((request) => request.api === GUEST && request.method === 'PowerOff').at(-1);
    expect(powerOff?.params.force).toBe('true');
  });
});
