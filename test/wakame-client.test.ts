import { afterEach, describe, expect, it } from 'vitest';
import { DcmgrClient } from '../src/providers/wakame/dcmgr/client.js';
import { DCMGR_ERRORS, isDcmgrError } from '../src/providers/wakame/dcmgr/error-codes.js';
import { parsePage } from '../src/providers/wakame/dcmgr/wire.js';
import { isOperationError } from '../src/errors.js';
import { DEMO_ACCOUNT, SHARED_POOL_ACCOUNT } from '../src/providers/wakame/simulator/index.js';
import { IMAGE_STEP_MS, STEP_MS, rejection, simImage, simInstance, wakameRig, type WakameRig } from './wakame-helpers.js';

let rig: WakameRig;

afterEach(async () => {
  await rig?.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await rejection(promise);
  if (!isDcmgrError(error)) throw error;
  return error.dcmgr.code;
}

describe('dcmgr client: account scoping', () => {
  it('sends X-VDC-Account-UUID on every request, under /api/12.03', async () => {
    rig = await wakameRig();
    const web = simInstance(rig.sim, 'web-1');
    await rig.client.listInstances();
    await rig.client.getInstance(web.id);
    await rig.client.powerAction(web.id, 'reboot');
    expect(rig.sim.stats.requests.length).toBe(3);
    expect(rig.sim.stats.requests.map((request) => request.account)).toEqual([DEMO_ACCOUNT, DEMO_ACCOUNT, DEMO_ACCOUNT]);
    expect(rig.sim.stats.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /instances', `GET /instances/${web.id}`, `PUT /instances/${web.id}/reboot`,
    ]);
  });

  it('sees only its own instances; another account\'s instance is 100 as if unknown', async () => {
    rig = await wakameRig();
    const names = (await rig.client.listInstances()).map((instance) => instance.display_name).sort();
    expect(names).toEqual(['batch-1', 'db-1', 'legacy-1', 'web-1']);
    const neighbour = simInstance(rig.sim, 'neighbour-vm');
    expect(await codeOf(rig.client.getInstance(neighbour.id))).toBe('100');
    expect(await codeOf(rig.client.powerAction(neighbour.id, 'stop'))).toBe('100');
    expect(neighbour.state).toBe('running');
  });

  it('an admin target sends no header and sees every account', async () => {
    rig = await wakameRig({}, { account: undefined, admin: true });
    const instances = await rig.client.listInstances();
    expect(instances.map((instance) => instance.display_name)).toContain('neighbour-vm');
    expect(rig.sim.stats.requests[0]?.account).toBeUndefined();
  });

  it('refuses to start without an account unless admin is explicit, and refuses both at once', () => {
    expect(() => new DcmgrClient({ url: 'http://127.0.0.1:9001' })).toThrow(/needs an account/);
    expect(() => new DcmgrClient({ url: 'http://127.0.0.1:9001', account: DEMO_ACCOUNT, admin: true })).toThrow(/either an account or admin/);
    expect(() => new DcmgrClient({ url: 'http://127.0.0.1:9001', account: 'bob smith' })).toThrow(/not an account id/);
    expect(() => new DcmgrClient({ url: 'ftp://127.0.0.1', account: DEMO_ACCOUNT })).toThrow(/http:\/\/ or https:\/\//);
  });

  it('an account dcmgr has not seen is created on the fly and starts empty', async () => {
    rig = await wakameRig({}, { account: 'a-newcomer' });
    expect(await rig.client.listInstances()).toEqual([]);
    expect(rig.sim.state.accounts.has('a-newcomer')).toBe(true);
  });

  it('103: dcmgr refuses a malformed account id', async () => {
    rig = await wakameRig({}, { account: 'a-Short' });
    const error = await rejection(rig.client.listImages());
    expect(error.dcmgr.code).toBe('103');
    expect(error.dcmgr.status).toBe(400);
    expect(error.kind).toBe('auth');
    expect(error.next).toMatch(/a- followed by 8 lowercase letters or digits/);
  });

  it('104: a disabled account is refused on every route', async () => {
    rig = await wakameRig({ accounts: [{ id: DEMO_ACCOUNT, disabled: true }] });
    const error = await rejection(rig.client.listInstances());
    expect(error.dcmgr).toMatchObject({ code: '104', status: 403, errorClass: 'DisabledAccount' });
    expect(error.message).toMatch(/disabled/);
    expect(error.next).toMatch(/enable the account/);
  });
});

describe('dcmgr client: lists', () => {
  it('pages explicitly with start and limit until total is reached', async () => {
    rig = await wakameRig({}, { pageSize: 2 });
    const images = await rig.client.listImages({ is_public: true });
    expect(images.map((image) => image.display_name).sort()).toEqual(['centos-7-minimal', 'debian-12-app', 'old-build', 'ubuntu-24.04-server']);
    const pages = rig.sim.stats.requests.map((request) => [request.params.start, request.params.limit]);
    expect(pages).toEqual([['0', '2'], ['2', '2']]);
  });

  it('without is_public lists only the account\'s own images, with state filters as dcmgr has them', async () => {
    rig = await wakameRig();
    expect((await rig.client.listImages()).map((image) => image.display_name).sort()).toEqual(['debian-12-app', 'old-build']);
    expect((await rig.client.listImages({ state: 'alive' })).map((image) => image.display_name)).toEqual(['debian-12-app']);
    expect((await rig.client.listImages({ state: 'deleted' })).map((image) => image.display_name)).toEqual(['old-build']);
    expect(await codeOf(rig.client.listImages({ state: 'gone' }))).toBe('143');
  });

  it('reads one page as asked, with the total of all', async () => {
    rig = await wakameRig();
    const page = await rig.client.instancePage({}, { start: 1, limit: 2 });
    expect(page).toMatchObject({ total: 4, start: 1 });
    expect(page.items).toHaveLength(2);
  });

  it('reads the older owner_total list shape the seed documents', async () => {
    rig = await wakameRig({ dialect: 'legacy' }, { pageSize: 3 });
    const images = await rig.client.listImages({ is_public: true });
    expect(images).toHaveLength(4);
    const page = await rig.client.imagePage({ is_public: true }, { start: 3, limit: 3 });
    expect(page).toMatchObject({ total: 4, start: 3 });
    expect(page.items).toHaveLength(1);
  });

  it('accepts both wrappers and both item keys, and nothing else', () => {
    const item = { id: 'wmi-abcd1234' };
    expect(parsePage([{ total: 1, start: 0, limit: 250, results: [item] }])).toEqual({ total: 1, start: 0, items: [item] });
    expect(parsePage({ owner_total: 1, start: 0, limit: null, result: [item] })).toEqual({ total: 1, start: 0, items: [item] });
    expect(parsePage([{ start: 0, results: [item] }])).toBeUndefined();
    expect(parsePage({ total: 1 })).toBeUndefined();
    expect(parsePage(['wmi-abcd1234'])).toBeUndefined();
  });

  it('143: a limit that is not digits', async () => {
    rig = await wakameRig();
    const error = await rejection(rig.client.imagePage({}, { start: 0, limit: -1 }));
    expect(error.dcmgr).toMatchObject({ code: '143', message: 'limit' });
  });
});

describe('dcmgr client: image routes', () => {
  it('shows an image with ISO 8601 UTC timestamps, a public one of another account too', async () => {
    rig = await wakameRig();
    const ubuntu = simImage(rig.sim, 'ubuntu-24.04-server');
    const image = await rig.client.getImage(ubuntu.id);
    expect(image).toMatchObject({ id: ubuntu.id, account_id: SHARED_POOL_ACCOUNT, state: 'available', is_public: true });
    expect(image.id).toMatch(/^wmi-[a-z0-9]{8}$/);
    expect(image.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('100 for an unknown image and for another account\'s private one; 143 for a malformed id', async () => {
    rig = await wakameRig();
    expect(await codeOf(rig.client.getImage('wmi-zzzzzzzz'))).toBe('100');
    expect(await codeOf(rig.client.getImage(simImage(rig.sim, 'neighbour-private').id))).toBe('100');
    const malformed = await rejection(rig.client.getImage('ubuntu'));
    expect(malformed.dcmgr).toMatchObject({ code: '143', status: 400, message: 'Invalid UUID Syntax: ubuntu' });
    expect(malformed.message).toContain('"Invalid UUID Syntax: ubuntu"');
  });

  it('127: the older API names an unknown image with its own code', async () => {
    rig = await wakameRig({ dialect: 'legacy' });
    const error = await rejection(rig.client.getImage('wmi-zzzzzzzz'));
    expect(error.dcmgr).toMatchObject({ code: '127', status: 404 });
    expect(error.kind).toBe('not_found');
  });

  it('renames and describes an image with PUT /images/:id', async () => {
    rig = await wakameRig();
    const debian = simImage(rig.sim, 'debian-12-app');
    const updated = await rig.client.updateImage(debian.id, { display_name: 'debian-12-app-v2', description: 'rebuilt' });
    expect(updated).toMatchObject({ display_name: 'debian-12-app-v2', description: 'rebuilt' });
    expect((await rig.client.getImage(debian.id)).display_name).toBe('debian-12-app-v2');
    expect(rig.sim.stats.requests.at(-2)).toMatchObject({ method: 'PUT', params: { display_name: 'debian-12-app-v2', description: 'rebuilt' } });
  });

  it('152: an image write without an id', async () => {
    rig = await wakameRig();
    const error = await rejection(rig.client.updateImage('', { description: 'x' }));
    expect(error.dcmgr).toMatchObject({ code: '152', status: 404 });
  });

  it('copies an available image with PUT copy_to, and 182 while the image is not ready', async () => {
    rig = await wakameRig();
    const debian = simImage(rig.sim, 'debian-12-app');
    const job = await rig.client.copyImage(debian.id, 'bkst-remote');
    expect(job.uuid).toMatch(/^job-[a-z0-9]{8}$/);
    expect(rig.sim.state.jobs).toEqual([expect.objectContaining({ imageId: debian.id, destination: 'bkst-remote' })]);
    expect(await codeOf(rig.client.copyImage(debian.id, ''))).toBe('143');
    debian.state = 'pending';
    const notReady = await rejection(rig.client.copyImage(debian.id, 'bkst-remote'));
    expect(notReady.dcmgr).toMatchObject({ code: '182', message: 'Not ready for copy task' });
  });

  it('deletes softly: the answer is the id, and the record stays as deleted', async () => {
    rig = await wakameRig();
    const debian = simImage(rig.sim, 'debian-12-app');
    expect(await rig.client.deleteImage(debian.id)).toEqual([debian.id]);
    const image = await rig.client.getImage(debian.id);
    expect(image.state).toBe('deleted');
    expect(image.deleted_at).toMatch(/Z$/);
  });
});

describe('dcmgr client: instance routes and the state machine', () => {
  it('creates an instance that goes scheduling -> pending -> initializing -> running as the clock moves', async () => {
    rig = await wakameRig();
    const ubuntu = simImage(rig.sim, 'ubuntu-24.04-server');
    const created = await rig.client.createInstance({ image_id: ubuntu.id, hypervisor: 'kvm', cpu_cores: 2, memory_size: 2048, display_name: 'api-1', hostname: 'api-1' });
    expect(created).toMatchObject({ state: 'scheduling', display_name: 'api-1', cpu_cores: 2, memory_size: 2048, account_id: DEMO_ACCOUNT });
    expect(created.id).toMatch(/^i-[a-z0-9]{8}$/);
    const seen: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      seen.push((await rig.client.getInstance(created.id)).state);
      rig.clock.advance(STEP_MS);
    }
    expect(seen).toEqual(['scheduling', 'pending', 'initializing', 'running']);
  });

  it('POST /instances checks image (137), hypervisor, cores and memory (143), hostname (126), capacity (120) and quota (162)', async () => {
    rig = await wakameRig({ instanceQuota: 5 });
    const image_id = simImage(rig.sim, 'ubuntu-24.04-server').id;
    const base = { image_id, hypervisor: 'kvm', cpu_cores: 1, memory_size: 512 };
    expect(await codeOf(rig.client.createInstance({ ...base, image_id: 'wmi-zzzzzzzz' }))).toBe('137');
    const bad = await Promise.all([
      rejection(rig.client.createInstance({ ...base, hypervisor: 'xen' })),
      rejection(rig.client.createInstance({ ...base, cpu_cores: 129 })),
      rejection(rig.client.createInstance({ ...base, memory_size: 127 })),
    ]);
    expect(bad.map((error) => [error.dcmgr.code, error.dcmgr.message])).toEqual([['143', 'hypervisor'], ['143', 'cpu_cores'], ['143', 'memory_size']]);
    expect(await codeOf(rig.client.createInstance({ ...base, hostname: 'web-1' }))).toBe('126');
    expect(await codeOf(rig.client.createInstance({ ...base, cpu_cores: 64 }))).toBe('120');
    await rig.client.createInstance({ ...base, hostname: 'fifth' });
    const quota = await rejection(rig.client.createInstance({ ...base, hostname: 'sixth' }));
    expect(quota.dcmgr.code).toBe('162');
    expect(quota.next).toMatch(/quota/);
  });

  it('stop -> stopped, start -> running, poweroff with force -> halted, poweron -> running, reboot stays running', async () => {
    rig = await wakameRig();
    const web = simInstance(rig.sim, 'web-1');
    const stateAfter = async (ms: number): Promise<string> => {
      rig.clock.advance(ms);
      return (await rig.client.getInstance(web.id)).state;
    };
    await rig.client.powerAction(web.id, 'stop');
    expect(await stateAfter(0)).toBe('stopping');
    expect(await stateAfter(STEP_MS)).toBe('stopped');
    expect((await rig.client.getInstance(web.id)).host_node).toBeNull();
    await rig.client.powerAction(web.id, 'start');
    expect(await stateAfter(STEP_MS * 3)).toBe('running');
    await rig.client.powerAction(web.id, 'poweroff', { force: true });
    expect(await stateAfter(0)).toBe('halting');
    expect(await stateAfter(STEP_MS)).toBe('halted');
    expect(web.poweroffs).toEqual([{ force: true }]);
    await rig.client.powerAction(web.id, 'poweron');
    expect(await stateAfter(0)).toBe('starting');
    expect(await stateAfter(STEP_MS)).toBe('running');
    await rig.client.powerAction(web.id, 'reboot');
    expect(web.reboots).toBe(1);
    expect(await stateAfter(0)).toBe('running');
  });

  it('125 with the current state as the message when the state does not allow the action', async () => {
    rig = await wakameRig();
    const web = simInstance(rig.sim, 'web-1');
    const halted = simInstance(rig.sim, 'batch-1');
    const error = await rejection(rig.client.powerAction(web.id, 'start'));
    expect(error.dcmgr).toMatchObject({ code: '125', status: 400, message: 'running', errorClass: 'InvalidInstanceState' });
    expect(error.kind).toBe('conflict');
    expect(await codeOf(rig.client.powerAction(halted.id, 'stop'))).toBe('125');
    expect(await codeOf(rig.client.powerAction(halted.id, 'reboot'))).toBe('125');
    expect(await codeOf(rig.client.backupInstance(web.id))).toBe('125');
  });

  it('renames an instance with PUT /instances/:id', async () => {
    rig = await wakameRig();
    const web = simInstance(rig.sim, 'web-1');
    expect((await rig.client.updateInstance(web.id, { display_name: 'web-01' })).display_name).toBe('web-01');
    expect(web.displayName).toBe('web-01');
  });

  it('a backup of a halted instance becomes an image going creating -> pending -> available', async () => {
    rig = await wakameRig();
    const batch = simInstance(rig.sim, 'batch-1');
    const backup = await rig.client.backupInstance(batch.id, { display_name: 'batch-golden', description: 'nightly' });
    expect(backup).toMatchObject({ instance_id: batch.id });
    expect(backup.image_id).toMatch(/^wmi-[a-z0-9]{8}$/);
    const states: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const image = await rig.client.getImage(backup.image_id);
      expect(image).toMatchObject({ display_name: 'batch-golden', description: 'nightly', account_id: DEMO_ACCOUNT });
      states.push(image.state);
      rig.clock.advance(IMAGE_STEP_MS);
    }
    expect(states).toEqual(['creating', 'pending', 'available']);
  });

  it('153: no backup storage for the service type', async () => {
    rig = await wakameRig({ backupStorage: false });
    expect(await codeOf(rig.client.backupInstance(simInstance(rig.sim, 'batch-1').id))).toBe('153');
  });

  it('DELETE removes a stopped instance at once and terminates a running one; a terminated one is 125', async () => {
    rig = await wakameRig();
    const legacy = simInstance(rig.sim, 'legacy-1');
    const web = simInstance(rig.sim, 'web-1');
    expect(await rig.client.deleteInstance(legacy.id)).toEqual([legacy.id]);
    expect(await codeOf(rig.client.getInstance(legacy.id))).toBe('100');
    expect(await rig.client.deleteInstance(web.id)).toEqual([web.id]);
    expect((await rig.client.getInstance(web.id)).state).toBe('shuttingdown');
    rig.clock.advance(STEP_MS);
    expect((await rig.client.getInstance(web.id)).state).toBe('terminated');
    const again = await rejection(rig.client.deleteInstance(web.id));
    expect(again.dcmgr).toMatchObject({ code: '125', message: 'terminated' });
  });
});

describe('dcmgr client: failures', () => {
  it('repeats a read after HTTP 500 and after a dropped connection', async () => {
    rig = await wakameRig();
    rig.sim.faults.add({ kind: 'http500', method: 'GET' });
    rig.sim.faults.add({ kind: 'drop', method: 'GET' });
    const instances = await rig.client.listInstances();
    expect(instances).toHaveLength(4);
    expect(rig.client.stats).toEqual({ requests: 3, retries: 2 });
  });

  it('gives up on a read after its retries with a transport error', async () => {
    rig = await wakameRig({}, { readRetries: 1 });
    rig.sim.faults.add({ kind: 'http502', method: 'GET', times: 5 });
    const error = await rejection(rig.client.listImages());
    expect(error.kind).toBe('transport');
    expect(rig.sim.stats.requests).toHaveLength(2);
  });

  it('never repeats a write: a dropped PUT is reported as outcome unknown', async () => {
    rig = await wakameRig();
    const web = simInstance(rig.sim, 'web-1');
    rig.sim.faults.add({ kind: 'drop', method: 'PUT' });
    const error = await rejection(rig.client.powerAction(web.id, 'stop'));
    expect(error.outcomeUnknown).toBe(true);
    expect(error.message).toMatch(/may or may not have happened/);
    expect(error.next).toMatch(/before trying again/);
    expect(rig.sim.stats.requests.filter((request) => request.method === 'PUT')).toHaveLength(1);
  });

  it('a write to a dead server says nothing was sent', async () => {
    rig = await wakameRig();
    const url = rig.sim.url;
    await rig.sim.close();
    const client = new DcmgrClient({ url, account: DEMO_ACCOUNT, retryDelayMs: 1 });
    const error = await rejection(client.deleteInstance('i-abcd1234'));
    await client.close();
    expect(error.kind).toBe('transport');
    expect(error.outcomeUnknown).toBe(false);
    expect(error.message).toMatch(/Nothing was sent/);
  });

  it('a server that is not dcmgr (HTML 404) is a protocol error naming the url setting', async () => {
    rig = await wakameRig();
    const client = new DcmgrClient({ url: `${rig.sim.url}/elsewhere`, account: DEMO_ACCOUNT });
    const error = await rejection(client.listImages());
    await client.close();
    expect(error.kind).toBe('protocol');
    expect(error.next).toMatch(/url/);
  });

  it('an admin create crashes dcmgr (no account to own it): HTTP 500, outcome unknown, not retried', async () => {
    rig = await wakameRig({}, { account: undefined, admin: true });
    const image_id = simImage(rig.sim, 'ubuntu-24.04-server').id;
    const error = await rejection(rig.client.createInstance({ image_id, hypervisor: 'kvm', cpu_cores: 1, memory_size: 512 }));
    expect(isOperationError(error)).toBe(true);
    expect(error.outcomeUnknown).toBe(true);
    expect(rig.sim.stats.requests).toHaveLength(1);
  });

  it('every code in the table says what it means and what to do', () => {
    for (const [code, info] of Object.entries(DCMGR_ERRORS)) {
      expect(code).toMatch(/^\d+$/);
      expect(info.meaning.length, code).toBeGreaterThan(10);
      expect(info.next.length, code).toBeGreaterThan(10);
    }
  });
});
