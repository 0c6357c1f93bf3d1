import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('is refused with one text for a wrong key (bad signature), a wrong partial key, an unknown api_id or a nonce far from the clock', async () => {
    const refused = 'LunaNode refused vm/list/: "authentication failure; common reasons: bad nonce (computer time off), source IP mismatch, invalid API id/key"';
    const wrongKey = `${DEMO_API.apiKey.slice(0, 64)}${'x'.repeat(64)}`;
    const failures = [
      await failure(client({ apiKey: wrongKey }).call('vm', 'list', {}, { kind: 'read' })),
      await failure(client({ apiKey: `y${DEMO_API.apiKey.slice(1)}` }).call('vm', 'list', {}, { kind: 'read' })),
      await failure(client({ apiId: 'someoneelse00001' }).call('vm', 'list', {}, { kind: 'read' })),
      await failure(client({ now: () => clock - 3_600_000 }).call('vm', 'list', {}, { kind: 'read' })),
    ];
    for (const error of failures) {
      expect(error).toMatchObject({ kind: 'auth', message: refused });
      expect(error.next).toMatch(/VMM_API_ID, VMM_API_KEY.*clock.*source IPs/);
    }
    expect(await client().call('vm', 'list', {}, { kind: 'read' })).toMatchObject({ success: 'yes' });
  });

  it('reads plan/list as LunaNode sends it: strings, an hourly price, the month and regions as display text', async () => {
    const answer = await client().call('plan', 'list', {}, { kind: 'read' });
    const plans = answer.plans as Array<Record<string, unknown>>;
    expect(Array.isArray(plans)).toBe(true);
    expect(plans.find((plan) => plan.name === 's.1')).toMatchObject({ plan_id: '2', vcpu: '1', ram: '1024', price: '0.0048', price_monthly_nice: '$3.5' });
    for (const plan of plans) for (const value of Object.values(plan)) expect(typeof value).toBe('string');
    expect(plans.find((plan) => plan.name === 's.half')?.regions_nice).toBe('Toronto, Montreal');
    const b = backend();
    const roubaix = (await b.listImages()).find((each) => each.region === 'roubaix')?.id as ImageId;
    // s.half (the cheapest with 512 MiB) is not offered in roubaix: s.1 is picked there.
    const created = await b.createVmFromImage({ name: 'small', image: roubaix, vcpus: 1, ram_mb: 512 });
    expect(created.plan).toBe('s.1 (1 vCPU, 1024 MiB, $3.5/month)');
    const toronto = (await b.listImages()).find((each) => each.region === 'toronto')?.id as ImageId;
    expect((await b.createVmFromImage({ name: 'smaller', image: toronto, vcpus: 1, ram_mb: 512 })).plan).toBe('s.half (1 vCPU, 512 MiB, $2.5/month)');
  });

  it('reads region/list as a map of region id to display name', async () => {
    const answer = await client().call('region', 'list', {}, { kind: 'read' });
    expect(answer.regions).toEqual({ toronto: 'Toronto, Canada', montreal: 'Montreal, Canada', roubaix: 'Roubaix, France' });
    expect(await backend().listHosts()).toEqual([
      { id: 'toronto', name: 'toronto', status: 'available (Toronto, Canada)' },
      { id: 'montreal', name: 'montreal', status: 'available (Montreal, Canada)' },
      { id: 'roubaix', name: 'roubaix', status: 'available (Roubaix, France)' },
    ]);
  });

  it('takes a plan/list that is not a list, or a region/list that is not a map, for a protocol error', async () => {
    const answers: Record<string, unknown> = {
      '/api/image/list/': { success: 'yes', images: [{ image_id: '7', name: 'Ubuntu', region: 'toronto', status: 'active' }] },
      '/api/plan/list/': { success: 'yes', plans: { 1: { plan_id: '1', name: 's.1', vcpu: '1', ram: '1024', price: '0.0048' } } },
      '/api/region/list/': { success: 'yes', regions: [{ region: 'toronto', name: 'Toronto, Canada' }] },
    };
    const odd = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers[request.url ?? ''] ?? { success: 'no', error: 'invalid API endpoint' }));
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
    try {
      const b = new LunaNodeBackend(client({ url: `http://127.0.0.1:${(odd.address() as AddressInfo).port}` }));
      const plans = await failure(b.createVmFromImage({ name: 'x', image: '7' as ImageId }));
      expect(plans).toMatchObject({ kind: 'protocol', message: 'LunaNode answered plan/list with "plans" that is not a list' });
      const regions = await failure(b.listHosts());
      expect(regions).toMatchObject({ kind: 'protocol', message: 'LunaNode answered region/list regions with something other than an object' });
    } finally {
      await new Promise<void>((resolve) => odd.close(() => resolve()));
    }
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
