import { afterEach, describe, expect, it } from 'vitest';
import { DcmgrClient } from '../src/providers/wakame/dcmgr/client.js';
import type { WireInstance } from '../src/providers/wakame/dcmgr/wire.js';
import { WakameBackend } from '../src/providers/wakame/backend.js';
import { Vmm } from '../src/vmm/operations.js';
import { DEMO_ACCOUNT, type InstanceState } from '../src/providers/wakame/simulator/index.js';
import type { HostId, ImageId, VmId } from '../src/vmm/model.js';
import { IMAGE_STEP_MS, STEP_MS, rejection, simImage, simInstance, wakameRig, type WakameRig } from './wakame-helpers.js';

let rig: WakameRig;
let backend: WakameBackend;

afterEach(async () => {
  await backend?.close();
  await rig?.close();
});

/** `null`: a target configured without a hypervisor. */
async function setup(hypervisor: string | null = 'kvm'): Promise<void> {
  rig = await wakameRig();
  backend = new WakameBackend(rig.client, hypervisor === null ? {} : { hypervisor });
}

function writes(): string[] {
  return rig.sim.stats.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path}`);
}

const vmId = (name: string): VmId => simInstance(rig.sim, name).id as VmId;
const imageId = (name: string): ImageId => simImage(rig.sim, name).id as ImageId;

describe('Wakame-VDC adapter: instances as VMs', () => {
  it.each<[InstanceState, string]>([
    ['initializing', 'booting'],
    ['scheduling', 'booting'],
    ['pending', 'booting'],
    ['starting', 'booting'],
    ['running', 'running'],
    ['shuttingdown', 'shutting_down'],
    ['stopping', 'shutting_down'],
    ['halting', 'shutting_down'],
    ['stopped', 'stopped'],
    ['halted', 'stopped'],
  ])('dcmgr state %s is the neutral status %s', async (state, status) => {
    await setup();
    simInstance(rig.sim, 'web-1').state = state;
    const vms = await backend.listVms();
    expect(vms.find((vm) => vm.name === 'web-1')?.status).toBe(status);
  });

  it('lists the account\'s instances with cores, memory and host; terminated ones are gone', async () => {
    await setup();
    const web = simInstance(rig.sim, 'web-1');
    const vms = await backend.listVms();
    expect(vms.map((vm) => vm.name).sort()).toEqual(['batch-1', 'db-1', 'legacy-1', 'web-1']);
    expect(vms.find((vm) => vm.id === web.id)).toEqual({ id: web.id, name: 'web-1', status: 'running', vcpus: 2, ram_mb: 2048, host: { id: web.hostNodeId, name: web.hostNodeId } });
    web.state = 'terminated';
    expect((await backend.listVms()).map((vm) => vm.name)).not.toContain('web-1');
    const error = await rejection(backend.getVm(web.id as VmId));
    expect(error.kind).toBe('not_found');
  });

  it('get_vm carries the volume and the vif with its network', async () => {
    await setup();
    const vm = await backend.getVm(vmId('db-1'));
    expect(vm.disks).toHaveLength(1);
    expect(vm.nics[0]?.network?.id).toBe('nw-demo1');
  });

  it('power_on sends start from stopped and poweron from halted', async () => {
    await setup();
    await backend.powerOn(vmId('legacy-1'), undefined);
    await backend.powerOn(vmId('batch-1'), undefined);
    expect(writes()).toEqual([`PUT /instances/${vmId('legacy-1')}/start`, `PUT /instances/${vmId('batch-1')}/poweron`]);
  });

  it('refuses an action from a state that does not allow it before calling dcmgr, naming the allowed states', async () => {
    await setup();
    const onRunning = await rejection(backend.powerOn(vmId('web-1'), undefined));
    expect(onRunning.kind).toBe('conflict');
    expect(onRunning.message).toMatch(/it is running in Wakame-VDC, and dcmgr allows this only from stopped, halted/);
    expect(onRunning.next).toMatch(/already running/);
    expect(onRunning.reason).toBe('vm_running');
    const shutdownHalted = await rejection(backend.shutdown(vmId('batch-1')));
    expect(shutdownHalted.message).toMatch(/only from running$/);
    expect(shutdownHalted.next).toMatch(/already off/);
    expect(shutdownHalted.reason).toBe('vm_stopped');
    const rebootStopped = await rejection(backend.reboot(vmId('legacy-1')));
    expect(rebootStopped.next).toMatch(/power_on it first/);
    simInstance(rig.sim, 'db-1').state = 'starting';
    const busy = await rejection(backend.powerOff(vmId('db-1')));
    expect(busy.next).toMatch(/changing state: wait/);
    expect(busy.reason).toBeUndefined();
    expect(writes()).toEqual([]);
  });

  it('explains a 125 (the state moved between the check and the call) the same way', async () => {
    rig = await wakameRig();
    class StaleReads extends DcmgrClient {
      override async getInstance(id: string, signal?: AbortSignal): Promise<WireInstance> {
        return { ...(await super.getInstance(id, signal)), state: 'running' };
      }
    }
    const stale = new StaleReads({ url: rig.sim.url, account: DEMO_ACCOUNT });
    backend = new WakameBackend(stale);
    const error = await rejection(backend.shutdown(vmId('batch-1')));
    expect(error.kind).toBe('conflict');
    expect(error.message).toMatch(/it is halted in Wakame-VDC, and dcmgr allows this only from running/);
    expect(writes()).toEqual([`PUT /instances/${vmId('batch-1')}/stop`]);
  });

  it('power_off is a forced poweroff; shutdown is stop; reboot is reboot', async () => {
    await setup();
    await backend.powerOff(vmId('web-1'));
    await backend.shutdown(vmId('db-1'));
    rig.clock.advance(STEP_MS);
    await backend.powerOn(vmId('web-1'), undefined);
    rig.clock.advance(STEP_MS);
    await backend.reboot(vmId('web-1'));
    expect(simInstance(rig.sim, 'web-1').poweroffs).toEqual([{ force: true }]);
    expect(rig.sim.stats.requests.find((request) => request.path.endsWith('/poweroff'))?.params).toEqual({ force: 'true' });
    expect(writes().map((line) => line.split('/').pop())).toEqual(['poweroff', 'stop', 'poweron', 'reboot']);
  });

  it('power_on with a host is refused: dcmgr places instances itself', async () => {
    await setup();
    const error = await rejection(backend.powerOn(vmId('legacy-1'), 'hn-x' as HostId));
    expect(error.kind).toBe('unsupported');
  });

  it('delete_vm terminates; scheduling is refused before the call', async () => {
    await setup();
    await backend.deleteVm(vmId('web-1'));
    expect(simInstance(rig.sim, 'web-1').state).toBe('shuttingdown');
    simInstance(rig.sim, 'db-1').state = 'scheduling';
    const error = await rejection(backend.deleteVm(vmId('db-1')));
    expect(error.message).toMatch(/it is scheduling/);
    expect(writes()).toEqual([`DELETE /instances/${vmId('web-1')}`]);
  });

  it('update_vm renames; cores and memory cannot change on Wakame-VDC', async () => {
    await setup();
    await backend.updateVm(vmId('web-1'), { new_name: 'web-01' });
    expect(simInstance(rig.sim, 'web-01').displayName).toBe('web-01');
    const error = await rejection(backend.updateVm(vmId('web-01'), { vcpus: 4 }));
    expect(error.kind).toBe('unsupported');
    expect(error.message).toMatch(/vcpus/);
  });

  it('create_vm_from_image posts image, hypervisor, cores and memory; the instance boots by itself', async () => {
    await setup();
    expect(backend.capabilities.has('create_vm_from_image')).toBe(true);
    const { vm_id } = await backend.createVmFromImage({ name: 'api-1', image: imageId('ubuntu-24.04-server'), vcpus: 2, ram_mb: 1536 });
    expect(await backend.getVm(vm_id)).toMatchObject({ name: 'api-1', status: 'booting', vcpus: 2, ram_mb: 1536 });
    expect(rig.sim.stats.requests.find((request) => request.method === 'POST')?.params).toMatchObject({
      image_id: imageId('ubuntu-24.04-server'), hypervisor: 'kvm', cpu_cores: '2', memory_size: '1536', display_name: 'api-1',
    });
    rig.clock.advance(STEP_MS * 3);
    expect((await backend.getVm(vm_id)).status).toBe('running');
  });

  it('create_vm_from_image without sizes asks dcmgr for 1 core and 1024 MiB (it requires both)', async () => {
    await setup();
    const { vm_id } = await backend.createVmFromImage({ name: 'small-1', image: imageId('ubuntu-24.04-server') });
    expect(await backend.getVm(vm_id)).toMatchObject({ vcpus: 1, ram_mb: 1024 });
  });

  it('without a hypervisor, or as admin, a target creates no instances and says why', async () => {
    await setup(null);
    expect(backend.canCreateInstances).toBe(false);
    expect(backend.capabilities.has('create_vm_from_image')).toBe(false);
    const error = await rejection(backend.createVmFromImage({ name: 'x', image: imageId('ubuntu-24.04-server'), vcpus: 1, ram_mb: 512 }));
    expect(error.kind).toBe('unsupported');
    expect(error.message).toMatch(/names no hypervisor/);
    const admin = new WakameBackend(new DcmgrClient({ url: rig.sim.url, admin: true }), { hypervisor: 'kvm' });
    expect(admin.canCreateInstances).toBe(false);
    expect(admin.capabilities.has('create_image_from_vm')).toBe(false);
    await admin.close();
    expect(writes()).toEqual([]);
  });
});

describe('Wakame-VDC adapter: images', () => {
  it('lists the account\'s images and the public ones; a soft-deleted one only by id', async () => {
    await setup();
    const images = await backend.listImages();
    expect(images.map((image) => [image.name, image.status]).sort()).toEqual([
      ['centos-7-minimal', 'available'], ['debian-12-app', 'available'], ['ubuntu-24.04-server', 'available'],
    ]);
    expect(images.find((image) => image.name === 'ubuntu-24.04-server')?.owner).toBe('a-shpoolxx');
    expect((await backend.getImage(imageId('old-build'))).status).toBe('deleted');
  });

  it('asks dcmgr for the state the filter wants: alive by default, deleted or available by name, alive for the rest', async () => {
    await setup();
    const states = (): unknown[] => rig.sim.stats.requests.filter((request) => request.path === '/images').map((request) => request.params.state);
    expect((await backend.listImages({}, { status: 'deleted' })).map((image) => [image.name, image.status])).toEqual([['old-build', 'deleted']]);
    expect((await backend.listImages({}, { status: 'available' })).every((image) => image.status === 'available')).toBe(true);
    await backend.listImages({}, { status: 'pending' });
    await backend.listImages();
    expect(states()).toEqual(['deleted', 'available', 'alive', 'alive']);
  });

  it('concurrent listings share one request only when their filters are the same', async () => {
    await setup();
    const vmm = new Vmm(backend);
    const page = { limit: 50, offset: 0 };
    const lists = (): number => rig.sim.stats.requests.filter((request) => request.path === '/images').length;
    const [alive, deleted, again] = await Promise.all([vmm.listImages(page), vmm.listImages(page, {}, { status: 'deleted' }), vmm.listImages(page)]);
    expect(lists()).toBe(2);
    expect(alive.items.map((image) => image.name).sort()).toEqual(['centos-7-minimal', 'debian-12-app', 'ubuntu-24.04-server']);
    expect(again.items).toEqual(alive.items);
    expect(deleted.items.map((image) => image.name)).toEqual(['old-build']);
  });

  it('create_image from a running instance is refused before the call: power it off first', async () => {
    await setup();
    const running = await rejection(backend.createImage({ source: 'vm', name: 'snap', vm: vmId('web-1') }));
    expect(running.next).toMatch(/^power it off first with power_off/);
    const stopped = await rejection(backend.createImage({ source: 'vm', name: 'snap', vm: vmId('legacy-1') }));
    expect(stopped.next).toMatch(/stopped with shutdown cannot be backed up/);
    expect(writes()).toEqual([]);
  });

  it('create_image from a halted instance answers the new image, pending until dcmgr made it available', async () => {
    await setup();
    const { image_id } = await backend.createImage({ source: 'vm', name: 'batch-golden', vm: vmId('batch-1') });
    const statuses: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const image = (await backend.listImages()).find((each) => each.id === image_id);
      expect(image?.name).toBe('batch-golden');
      statuses.push(`${simImage(rig.sim, 'batch-golden').state}:${image?.status}`);
      rig.clock.advance(IMAGE_STEP_MS);
    }
    expect(statuses).toEqual(['creating:pending', 'pending:pending', 'available:available']);
  });

  it('create_image from a file is unsupported on Wakame-VDC', async () => {
    await setup();
    const error = await rejection(backend.createImage({ source: 'file', name: 'x', ds_file_path: '/x', type: 'disk', storages: [] }));
    expect(error.kind).toBe('unsupported');
  });

  it('renames and describes its own image; a public image of another account is refused before the call', async () => {
    await setup();
    await backend.updateImage(imageId('debian-12-app'), { new_name: 'debian-12-app-v2', description: 'rebuilt' });
    expect(simImage(rig.sim, 'debian-12-app-v2').description).toBe('rebuilt');
    const foreign = await rejection(backend.updateImage(imageId('ubuntu-24.04-server'), { new_name: 'mine' }));
    expect(foreign.kind).toBe('policy');
    expect(foreign.message).toMatch(/belongs to account a-shpoolxx/);
    const deleteForeign = await rejection(backend.deleteImage(imageId('ubuntu-24.04-server')));
    expect(deleteForeign.kind).toBe('policy');
    expect(writes()).toEqual([`PUT /images/${imageId('debian-12-app-v2')}`]);
  });

  it('deletes softly, and a second delete says it is already deleted', async () => {
    await setup();
    await backend.deleteImage(imageId('debian-12-app'));
    expect(simImage(rig.sim, 'debian-12-app').state).toBe('deleted');
    const again = await rejection(backend.deleteImage(imageId('debian-12-app')));
    expect(again.message).toMatch(/already deleted/);
  });

  it('copies an available image as a queued job, with no new image here; one still being made is refused before the call', async () => {
    await setup();
    const before = rig.sim.state.images.size;
    const copy = await backend.copyImage(imageId('debian-12-app'), 'bkst-remote');
    expect(rig.sim.state.jobs.map((job) => [job.id, job.imageId, job.destination])).toEqual([[(copy as { job_id: string }).job_id, imageId('debian-12-app'), 'bkst-remote']]);
    expect(copy).toEqual({ job_id: expect.stringMatching(/^job-[a-z0-9]{8}$/) });
    expect(rig.sim.state.images.size).toBe(before);
    simImage(rig.sim, 'debian-12-app').state = 'pending';
    const error = await rejection(backend.copyImage(imageId('debian-12-app'), 'bkst-remote'));
    expect(error.next).toMatch(/wait until it is available/);
    expect(writes()).toEqual([`PUT /images/${imageId('debian-12-app')}/copy_to`]);
  });

  it('what dcmgr does not offer here is unsupported, with the way around it', async () => {
    await setup();
    for (const read of [backend.listHosts(), backend.listStorages(), backend.listNetworks()]) {
      const error = await rejection(read);
      expect(error.kind).toBe('unsupported');
      expect(error.message).toMatch(/^This Wakame-VDC target speaks the Wakame-VDC dcmgr API 12\.03, which offers no/);
      expect(error.next).toBeTruthy();
    }
  });
});
