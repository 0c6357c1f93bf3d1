import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationError } from '../src/errors.js';
import { LunaNodeBackend } from '../src/providers/lunanode/backend.js';
import { LunaNodeClient } from '../src/providers/lunanode/client.js';
import { DEMO_API, type LunaNodeSimulatorHandle, startLunaNodeSimulator } from '../src/providers/lunanode/simulator/index.js';
import type { ImageId, VmId } from '../src/vmm/model.js';

/** The LunaNode client and adapter against the simulator over real HTTP on 127.0.0.1. */

let sim: LunaNodeSimulatorHandle;
let clock = Date.now();

function client(overrides: Partial<ConstructorParameters<typeof LunaNodeClient>[0]> = {}): LunaNodeClient {
  return new LunaNodeClient({ url: sim.url, apiId: DEMO_API.apiId, apiKey: DEMO_API.apiKey, timeoutMs: 10_000, region: 'toronto', retryPauseMs: 5, now: () => clock, ...overrides });
}

async function failure(promise: Promise<unknown>): Promise<OperationError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(OperationError);
  return error as OperationError;
}

beforeAll(async () => {
  sim = await startLunaNodeSimulator({ durations: { buildMs: 1000, powerMs: 1000, imageMs: 1000 }, now: () => clock });
});
afterAll(async () => {
  await sim.close();
});

describe('LunaNode client and adapter against the simulator', () => {
  const backend = (): LunaNodeBackend => new LunaNodeBackend(client());

  it('lists VMs with their status from vm/info and their region as host', async () => {
    const vms = await backend().listVms();
    expect(vms.map((vm) => [vm.name, vm.status, vm.host?.name])).toEqual([
      ['web-1', 'running', 'toronto'],
      ['db-1', 'running', 'toronto'],
      ['build-box', 'stopped', 'toronto'],
    ]);
    expect(vms[1]).toMatchObject({ vcpus: 2, ram_mb: 2048 });
  });

  it('reads a VM without its login details (the initial root password)', async () => {
    const [web] = await backend().listVms();
    const vm = await backend().getVm(web?.id as VmId);
    expect(vm).toMatchObject({ name: 'web-1', status: 'running', disks: [{ size_mb: 20 * 1024 }] });
    const password = sim.state.vms.get(web?.id as string)?.password as string;
    expect(JSON.stringify(vm)).not.toContain(password);
  });

  it('powers a VM off and on through the transitional statuses, and reports the neutral reason when it already is', async () => {
    const b = backend();
    const box = { vm_id: [...sim.state.vms.values()].find((vm) => vm.name === 'build-box')?.vm_id as VmId };
    await b.powerOn(box.vm_id, undefined);
    expect((await b.getVm(box.vm_id)).status).toBe('booting');
    clock += 1500;
    expect((await b.getVm(box.vm_id)).status).toBe('running');
    expect((await failure(b.powerOn(box.vm_id, undefined))).reason).toBe('vm_running');
    await b.reboot(box.vm_id);
    clock += 1500;
    await b.shutdown(box.vm_id);
    expect((await b.getVm(box.vm_id)).status).toBe('shutting_down');
    clock += 1500;
    expect((await b.getVm(box.vm_id)).status).toBe('stopped');
    const stopped = await failure(b.reboot(box.vm_id));
    expect(stopped.reason).toBe('vm_stopped');
    expect(stopped.message).toContain("Cannot 'reboot' instance");
  });

  it('creates a VM on the cheapest plan that fits, renames it and deletes it', async () => {
    const b = backend();
    const ubuntu = (await b.listImages()).find((image) => image.name.startsWith('Ubuntu') && image.region === 'montreal');
    const created = await b.createVmFromImage({ name: 'app-1', image: ubuntu?.id as ImageId, vcpus: 2, ram_mb: 1500 });
    expect(created.plan).toMatch(/^s\.2 \(2 vCPU, 2048 MiB/);
    expect((await b.getVm(created.vm_id)).status).toBe('creating');
    clock += 1500;
    expect((await b.getVm(created.vm_id)).status).toBe('running');
    await b.updateVm(created.vm_id, { new_name: 'app-one' });
    expect((await b.getVm(created.vm_id)).name).toBe('app-one');
    await b.deleteVm(created.vm_id);
    const gone = await failure(b.getVm(created.vm_id));
    expect(gone.message).toBe('LunaNode refused vm/info/: "invalid vm"');
    expect(gone.next).toMatch(/^list_vms shows the VMs of region toronto/);
  });

  it('imports an image from a URL (queued, saving, active), renames, replicates and deletes it; a bad URL ends killed', async () => {
    const b = backend();
    const { image_id: id } = await b.createImage({ source: 'url', name: 'alpine', url: 'https://example.com/alpine.qcow2', format: 'qcow2', region: 'roubaix' });
    const statusOf = async (image: ImageId) => (await b.listImages()).find((each) => each.id === image)?.status;
    expect(await statusOf(id)).toBe('pending');
    clock += 2500;
    expect(await statusOf(id)).toBe('available');
    await b.updateImage(id, { new_name: 'alpine-3' });
    const copy = await b.copyImage(id, 'toronto');
    const copied = (await b.listImages()).find((each) => each.id === copy.image_id);
    expect(copied).toMatchObject({ name: 'alpine-3', region: 'toronto', status: 'pending' });
    await b.deleteImage(id);
    expect(await statusOf(id)).toBeUndefined();
    const bad = await b.createImage({ source: 'url', name: 'broken', url: 'https://mirror.invalid/x.iso', format: 'iso', region: 'toronto' });
    clock += 2500;
    expect(await statusOf(bad.image_id)).toBe('failed');
  });

  it('snapshots a VM into an image of its region', async () => {
    const b = backend();
    const [web] = await b.listVms();
    const { image_id: id } = await b.createImage({ source: 'vm', name: 'web-snap', vm: web?.id as VmId });
    expect((await b.listImages()).find((each) => each.id === id)).toMatchObject({ name: 'web-snap', region: 'toronto', status: 'pending' });
  });

  it('lists the regions as hosts', async () => {
    expect((await backend().listHosts()).map((host) => host.id)).toEqual(['toronto', 'montreal', 'roubaix']);
  });

  it('quotes the documented refusals for unknown images, regions and plans', async () => {
    const b = backend();
    expect((await failure(b.deleteImage('999' as ImageId))).message).toBe('LunaNode refused image/delete/: "invalid image"');
    const region = await failure(b.copyImage((await b.listImages())[0]?.id as ImageId, 'paris'));
    expect(region.message).toContain('"invalid region"');
    expect(region.next).toMatch(/toronto, montreal or roubaix/);
    const noRegion = await failure(new LunaNodeBackend(client({ region: undefined })).createImage({ source: 'url', name: 'x', url: 'https://example.com/x.iso', format: 'iso' }));
    expect(noRegion.message).toContain('"region not set"');
    const tooBig = await failure(b.createVmFromImage({ name: 'huge', image: (await b.listImages()).find((each) => each.region === 'roubaix')?.id as ImageId, vcpus: 4, ram_mb: 8192 }));
    expect(tooBig.message).toBe('No LunaNode plan in roubaix has 4 vCPU and 8192 MiB');
    expect(tooBig.next).toMatch(/m\.4/);
  });

  it('is refused with a wrong key (bad signature), a wrong partial key, an unknown api_id or a nonce far from the clock', async () => {
    const wrongKey = `${DEMO_API.apiKey.slice(0, 64)}${'x'.repeat(64)}`;
    const signature = await failure(client({ apiKey: wrongKey }).call('vm', 'list', {}, { kind: 'read' }));
    expect(signature).toMatchObject({ kind: 'auth', message: 'LunaNode refused vm/list/: "invalid signature"' });
    const partial = await failure(client({ apiKey: `y${DEMO_API.apiKey.slice(1)}` }).call('vm', 'list', {}, { kind: 'read' }));
    expect(partial.message).toContain('"invalid api_id or api_partialkey"');
    expect(partial.next).toMatch(/VMM_API_ID, VMM_API_KEY/);
    expect((await failure(client({ apiId: 'someoneelse00001' }).call('vm', 'list', {}, { kind: 'read' }))).kind).toBe('auth');
    const skewed = await failure(client({ now: () => clock - 3_600_000 }).call('vm', 'list', {}, { kind: 'read' }));
    expect(skewed.message).toContain('invalid nonce');
  });

  it('retries a read through transient 5xx answers, and gives up after its retries', async () => {
    const before = sim.requests.length;
    sim.failNext(2, 503);
    expect((await backend().listHosts()).length).toBe(3);
    expect(sim.requests.slice(before).map((request) => request.outcome)).toEqual(['http_error', 'http_error', 'yes']);
    sim.failNext(3, 502);
    const error = await failure(backend().listHosts());
    expect(error).toMatchObject({ kind: 'transport', outcomeUnknown: false });
    expect(error.message).toContain('HTTP 502');
  });

  it('never retries a write: a 5xx on vm/start is one request whose outcome is unknown', async () => {
    const [web] = await backend().listVms();
    const before = sim.requests.length;
    sim.failNext(1, 503);
    const error = await failure(backend().powerOn(web?.id as VmId, undefined));
    expect(error).toMatchObject({ kind: 'transport', outcomeUnknown: true });
    expect(error.message).toContain('may or may not have happened');
    expect(sim.requests.length - before).toBe(1);
  });

  it('says a write was not sent when the connection is refused, and sends nothing for an already aborted signal', async () => {
    const gone = await startLunaNodeSimulator();
    await gone.close();
    const refused = await failure(client({ url: gone.url }).call('vm', 'start', { vm_id: 'x' }, { kind: 'write' }));
    expect(refused).toMatchObject({ kind: 'transport', outcomeUnknown: false });
    expect(refused.message).toMatch(/ECONNREFUSED.*Nothing was sent/);
    const before = sim.requests.length;
    const cancelled = await failure(client().call('vm', 'start', { vm_id: 'x' }, { kind: 'write', signal: AbortSignal.abort() }));
    expect(cancelled).toMatchObject({ kind: 'cancelled', outcomeUnknown: false });
    expect(sim.requests.length).toBe(before);
  });
});
