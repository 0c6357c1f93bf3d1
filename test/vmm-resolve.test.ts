import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimVm } from '../src/providers/synology/simulator/index.js';
import { createDsmBackend } from '../src/providers/synology/backend.js';
import { Vmm } from '../src/vmm/operations.js';
import { failure, STYLES, guestApi, startRig, withoutNameLookup, type VmmRig } from './vmm-harness.js';

/** Puts a VM straight into the simulated state (DSM itself forbids duplicate names; a test may not). */
function addVm(rig: VmmRig, id: string, name: string): SimVm {
  const storage = [...rig.sim.state.storages.values()][0];
  if (storage === undefined) throw new Error('the simulated inventory has no storage');
  return rig.sim.state.addVm({
    id, name, status: 'shutdown', vcpus: 1, ram_mb: 512, autorun: 0, description: '',
    storage_id: storage.id, disks: [], nics: [], host_id: storage.host_id,
  });
}

describe.each(STYLES)('name resolution (%s style)', (style) => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({ style });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('resolves a VM by exact name and by id to the same VM', async () => {
    const byName = await rig.vmm.resolveVm('web-01');
    const byId = await rig.vmm.resolveVm(byName.id);
    expect(byName.name).toBe('web-01');
    expect(byId).toEqual(byName);
    expect(byName.id).toBe(rig.sim.state.vmNamed('web-01')?.id);
  });

  it('resolves a VM id with a single get instead of listing every VM', async () => {
    const id = rig.sim.state.vmNamed('db-01')?.id ?? '';
    const before = rig.sim.stats.requests.length;
    const vm = await rig.vmm.getVm(id);
    const sent = rig.sim.stats.requests.slice(before).filter((request) => request.api === guestApi(style));
    expect(vm.name).toBe('db-01');
    expect(sent.map((request) => request.method.toLowerCase())).toEqual(['get']);
  });

  it('prefers the VM whose id matches over a VM named like that id', async () => {
    const web = await rig.vmm.resolveVm('web-01');
    addVm(rig, 'impostor-id-1', web.id);
    const resolved = await rig.vmm.resolveVm(web.id);
    expect(resolved.name).toBe('web-01');
  });

  it('reads a VM by name with one get that names it, not a list of every VM', async () => {
    const before = rig.sim.stats.requests.length;
    const vm = await rig.vmm.getVm('db-01');
    const sent = rig.sim.stats.requests.slice(before).filter((request) => request.api === guestApi(style));
    expect(vm.id).toBe(rig.sim.state.vmNamed('db-01')?.id);
    expect(sent.map((request) => [request.method.toLowerCase(), request.params.guest_name])).toEqual([['get', 'db-01']]);
  });

  it('resolves a VM for an action with that one get, and acts on a VM already read without reading it again', async () => {
    const before = rig.sim.stats.requests.length;
    const summary = await rig.vmm.resolveVm('web-01');
    const resolving = rig.sim.stats.requests.slice(before).filter((request) => request.api === guestApi(style));
    const vm = await rig.vmm.getVm(summary.id);
    const afterRead = rig.sim.stats.requests.length;
    expect(await rig.vmm.resolveVm(vm)).toBe(vm);
    expect(resolving.map((request) => request.method.toLowerCase())).toEqual(['get']);
    expect(rig.sim.stats.requests.length).toBe(afterRead);
  });

  it('answers an unknown name with not_found, close names and a pointer to list_vms', async () => {
    const before = rig.sim.stats.requests.length;
    const error = await failure(rig.vmm.resolveVm('WEB'));
    const sent = rig.sim.stats.requests.slice(before).filter((request) => request.api === guestApi(style));
    expect(error.kind).toBe('not_found');
    expect(error.message).toContain('"web-01"');
    expect(error.next).toContain('list_vms');
    // The get by name misses, so the list decides (the compact list pages).
    expect(sent[0]?.method.toLowerCase()).toBe('get');
    expect(sent.slice(1).every((request) => request.method.toLowerCase() === 'list')).toBe(true);
    expect(sent.length).toBeGreaterThan(1);
  });

  it('resolves a name that contains commas and spaces', async () => {
    const vm = await rig.vmm.resolveVm('ci runner (old)');
    expect(vm.status).toBe('stopped');
  });

  it('resolves hosts, storages, networks and images by name', async () => {
    const host = await rig.vmm.resolveHost('nas-02');
    const storage = await rig.vmm.resolveStorage('nas-01 - VM Storage 1');
    const network = await rig.vmm.resolveNetwork('Lab Network');
    const image = await rig.vmm.resolveImage('debian-12-cloud');
    expect(host.id).toBe(rig.sim.state.hostNamed('nas-02')?.id);
    expect(storage.id).toBe(rig.sim.state.storageNamed('nas-01 - VM Storage 1')?.id);
    expect(network.id).toBe(rig.sim.state.networkNamed('Lab Network')?.id);
    expect(image.id).toBe(rig.sim.state.imageNamed('debian-12-cloud')?.id);
  });

  it('names the kind and the listing tool when a storage is not found', async () => {
    const error = await failure(rig.vmm.resolveStorage('volume9'));
    expect(error.kind).toBe('not_found');
    expect(error.message).toContain('storage');
    expect(error.next).toContain('list_storages');
  });
});

describe('name resolution on a backend that cannot read a VM by name', () => {
  let rig: VmmRig;
  let vmm: Vmm;
  beforeAll(async () => {
    rig = await startRig();
    vmm = new Vmm(withoutNameLookup(createDsmBackend(rig.client)));
  });
  afterAll(async () => {
    await rig.close();
  });

  it('lists the VMs once and reads the one whose name matches', async () => {
    const before = rig.sim.stats.requests.length;
    const vm = await vmm.getVm('db-01');
    const sent = rig.sim.stats.requests.slice(before).filter((request) => request.api === guestApi('official'));
    expect(vm.name).toBe('db-01');
    expect(sent.map((request) => [request.method, request.params.guest_id])).toEqual([['list', undefined], ['get', vm.id]]);
  });

  it('refuses an ambiguous name and lists every candidate with its id', async () => {
    addVm(rig, 'twin-id-a', 'twin');
    addVm(rig, 'twin-id-b', 'twin');
    const error = await failure(vmm.resolveVm('twin'));
    expect(error.kind).toBe('ambiguous');
    expect(error.message).toContain('twin-id-a');
    expect(error.message).toContain('twin-id-b');
    expect(error.next).toMatch(/id/);
  });
});

describe.each(STYLES)('listing 10,000 VMs (%s style)', (style) => {
  let rig: VmmRig;
  beforeAll(async () => {
    rig = await startRig({ style, inventory: { vms: 10_000 } });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('pages through the whole inventory with total and next_offset', async () => {
    const first = await rig.vmm.listVms({}, { limit: 50, offset: 0 });
    const last = await rig.vmm.listVms({}, { limit: 50, offset: 9_980 });
    expect(first.total).toBe(10_000);
    expect(first.items).toHaveLength(50);
    expect(first.next_offset).toBe(50);
    expect(first.items[0]?.name).toBe('vm-00001');
    expect(last.items).toHaveLength(20);
    expect(last.next_offset).toBeNull();
    expect(last.items.at(-1)?.name).toBe('vm-10000');
  });

  it('reads the list without one request per VM', async () => {
    const before = rig.sim.stats.requests.length;
    await rig.vmm.listVms({ name: 'vm-0' }, { limit: 10, offset: 0 });
    const sent = rig.sim.stats.requests.slice(before);
    expect(sent.filter((request) => request.method.toLowerCase() === 'get')).toHaveLength(0);
    // The official list is one request; the compact one pages, at most 100 guests per page.
    expect(sent.filter((request) => request.api === guestApi(style)).length).toBeLessThanOrEqual(style === 'official' ? 1 : 100);
  });

  it('filters by a case-insensitive substring of the name', async () => {
    const page = await rig.vmm.listVms({ name: 'VM-0999' }, { limit: 50, offset: 0 });
    expect(page.total).toBe(10);
    expect(page.items.map((vm) => vm.name)).toEqual(Array.from({ length: 10 }, (_, index) => `vm-0999${index}`));
  });

  it('treats a name with * or ? as a glob over the whole name', async () => {
    const question = await rig.vmm.listVms({ name: 'vm-0000?' }, { limit: 50, offset: 0 });
    const star = await rig.vmm.listVms({ name: '*00' }, { limit: 500, offset: 0 });
    expect(question.total).toBe(9);
    expect(star.total).toBe(100);
    expect(star.items.every((vm) => vm.name.endsWith('00'))).toBe(true);
  });

  it('filters by status and pages within the filtered rows', async () => {
    const expected = [...rig.sim.state.vms.values()].filter((vm) => vm.status === 'running').map((vm) => vm.name);
    const page = await rig.vmm.listVms({ status: 'running' }, { limit: 3, offset: 1 });
    expect(expected.length).toBeGreaterThan(3);
    expect(page.total).toBe(expected.length);
    expect(page.items.map((vm) => vm.name)).toEqual(expected.slice(1, 4));
    expect(page.items.every((vm) => vm.status === 'running')).toBe(true);
  });

  it('reports the stopped status for what the official API calls shutdown', async () => {
    const page = await rig.vmm.listVms({ name: 'vm-00002' }, { limit: 1, offset: 0 });
    expect(page.items[0]?.status).toBe('stopped');
  });

  it('filters by host given by name', async () => {
    const host = rig.sim.state.hostNamed('nas-02');
    const expected = [...rig.sim.state.vms.values()].filter((vm) => vm.host_id === host?.id).length;
    const page = await rig.vmm.listVms({ host: 'nas-02' }, { limit: 5, offset: 0 });
    expect(expected).toBeGreaterThan(0);
    expect(page.total).toBe(expected);
    expect(page.items.every((vm) => vm.host?.name === 'nas-02')).toBe(true);
  });

  it('rejects a zero limit and a negative offset as invalid input', async () => {
    expect((await failure(rig.vmm.listVms({}, { limit: 0, offset: 0 }))).kind).toBe('invalid_input');
    expect((await failure(rig.vmm.listVms({}, { limit: 10, offset: -1 }))).kind).toBe('invalid_input');
  });
});
