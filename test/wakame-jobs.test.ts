import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { WakameBackend } from '../src/providers/wakame/backend.js';
import { DcmgrClient } from '../src/providers/wakame/dcmgr/client.js';
import { DEMO_ACCOUNT, DEMO_DESTINATION, type WakameSimulatorOptions } from '../src/providers/wakame/simulator/index.js';
import { DEFAULT_POLICY } from '../src/safety/policy.js';
import { createServer } from '../src/server.js';
import type { ImageId, TaskId } from '../src/vmm/model.js';
import { Vmm } from '../src/vmm/operations.js';
import { errorText, structured } from './mcp-harness.js';
import { startProvidersHarness, type ProvidersHarness } from './providers-harness.js';
import { recordOutput } from './setup/output-scan.js';
import { IMAGE_STEP_MS, rejection, simImage, wakameRig, type WakameRig } from './wakame-helpers.js';

/**
 * A copy_to is a dcmgr job, followed as a task: the simulated dcmgr works it over its clock (pending,
 * running, finished; bksta's retries and refusals), the client reads GET /jobs/:id, the adapter maps
 * it to the neutral task, and an agent goes copy_image -> wait_task to the copy's image id at the
 * destination, or to why the copy failed.
 */

/** The rig's jobs take imageStepMs per state, as the simulator's default says. */
const JOB_STEP_MS = IMAGE_STEP_MS;

let rig: WakameRig | undefined;
let backend: WakameBackend | undefined;
let closeServer: (() => Promise<void>) | undefined;
let h: ProvidersHarness | undefined;

afterEach(async () => {
  await closeServer?.();
  await backend?.close();
  await rig?.close();
  await h?.close();
  rig = undefined;
  backend = undefined;
  closeServer = undefined;
  h = undefined;
});

async function setup(options: WakameSimulatorOptions = {}): Promise<{ rig: WakameRig; backend: WakameBackend }> {
  rig = await wakameRig(options);
  backend = new WakameBackend(rig.client, { hypervisor: 'kvm' });
  return { rig, backend };
}

function debianId(current: WakameRig): ImageId {
  return simImage(current.sim, 'debian-12-app').id as ImageId;
}

/** A raw request to the simulated dcmgr, as an operator with curl would send it. */
async function raw(current: WakameRig, method: string, path: string, account: string | undefined = DEMO_ACCOUNT): Promise<{ status: number; body: string }> {
  const response = await fetch(`${current.sim.url}/api/12.03${path}`, { method, headers: account === undefined ? {} : { 'x-vdc-account-uuid': account } });
  return { status: response.status, body: await response.text() };
}

describe('dcmgr jobs: the simulator over HTTP, through the client', () => {
  it('a copy job goes pending -> running -> finished on the clock and names the copy the destination registered', async () => {
    const { rig: r } = await setup();
    const source = simImage(r.sim, 'debian-12-app');
    const imagesBefore = r.sim.state.images.size;
    const { uuid } = await r.client.copyImage(source.id, DEMO_DESTINATION);

    const pending = await r.client.getJob(uuid);
    expect(pending).toMatchObject({ id: uuid, uuid, state: 'pending', worker_id: null, retry_max: 0, retry_count: 0, finish_status: null, finish_message: null, started_at: null });
    expect(pending.queue_name).toMatch(/^backup_storage\.copy_to\./);
    expect(pending.params).toMatchObject({ destination: DEMO_DESTINATION, image: { id: source.id, account_id: DEMO_ACCOUNT } });
    expect(pending.resource_id).toBe(source.backupObjectId);

    r.clock.advance(JOB_STEP_MS);
    const running = await r.client.getJob(uuid);
    expect(running).toMatchObject({ state: 'running', retry_max: 2, retry_count: 1, finish_status: null });
    expect(running.worker_id).toBeTruthy();
    expect(running.started_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    r.clock.advance(JOB_STEP_MS);
    const finished = await r.client.getJob(uuid);
    const [copy] = r.sim.state.destinations.get(DEMO_DESTINATION)?.copies ?? [];
    expect(copy?.imageId).toMatch(/^wmi-[a-z0-9]{8}$/);
    expect(copy?.imageId).not.toBe(source.id);
    expect(finished).toMatchObject({
      state: 'finished',
      finish_status: 'success',
      finish_message: { destination: DEMO_DESTINATION, backup_object_id: copy?.backupObjectId, image_id: copy?.imageId },
    });
    expect(finished.finished_at).toBeTruthy();
    // This site gets no new image: the destination's dcmgr registered it.
    expect(r.sim.state.images.size).toBe(imagesBefore);
  });

  it('a copy to a destination bksta is not configured with is tried twice, then fails with its reason', async () => {
    const { rig: r } = await setup();
    const { uuid } = await r.client.copyImage(debianId(r), 'nowhere');
    r.clock.advance(2 * JOB_STEP_MS);
    expect(await r.client.getJob(uuid)).toMatchObject({ state: 'pending', retry_count: 1, worker_id: null, finish_message: { message: 'Unknown destination: nowhere' } });
    r.clock.advance(2 * JOB_STEP_MS);
    expect(await r.client.getJob(uuid)).toMatchObject({ state: 'finished', finish_status: 'fail', retry_count: 2, finish_message: { message: 'Unknown destination: nowhere' } });
    expect(r.sim.state.destinations.get(DEMO_DESTINATION)?.copies).toEqual([]);
  });

  it('a destination that is down fails every try, as bksta says it', async () => {
    const { rig: r } = await setup({ destinations: [{ name: 'site-b', alive: false }], jobRetryMax: 1 });
    const { uuid } = await r.client.copyImage(debianId(r), 'site-b');
    r.clock.advance(2 * JOB_STEP_MS);
    expect(await r.client.getJob(uuid)).toMatchObject({ state: 'finished', finish_status: 'fail', retry_count: 1, finish_message: { message: 'site-b is not alive destination.' } });
  });

  it('an unknown job id is 404 with code 100, one of another shape 400 with 143', async () => {
    const { rig: r } = await setup();
    const unknown = await rejection(r.client.getJob('job-zzzzzzzz'));
    expect(unknown.dcmgr).toMatchObject({ code: '100', status: 404, message: 'job-zzzzzzzz' });
    const malformed = await rejection(r.client.getJob('wmi-12345678'));
    expect(malformed.dcmgr).toMatchObject({ code: '143', status: 400, message: 'Invalid UUID Syntax: wmi-12345678' });
  });

  it('jobs are no account resource: another account and the admin view read the job too', async () => {
    const { rig: r } = await setup();
    const { uuid } = await r.client.copyImage(debianId(r), DEMO_DESTINATION);
    expect((await raw(r, 'GET', `/jobs/${uuid}`, 'a-otherten')).status).toBe(200);
    expect(JSON.parse((await raw(r, 'GET', `/jobs/${uuid}`, undefined)).body)).toMatchObject({ id: uuid, state: 'pending' });
  });

  it('DELETE /jobs/:id cancels an open job; on a finished one dcmgr crashes (HTTP 500)', async () => {
    const { rig: r } = await setup();
    const { uuid } = await r.client.copyImage(debianId(r), DEMO_DESTINATION);
    const cancel = await raw(r, 'DELETE', `/jobs/${uuid}`);
    expect(cancel).toEqual({ status: 200, body: JSON.stringify([uuid]) });
    expect(await r.client.getJob(uuid)).toMatchObject({ state: 'finished', finish_status: 'cancel', started_at: null });
    expect((await raw(r, 'DELETE', `/jobs/${uuid}`)).status).toBe(500);
  });

  it('a job read that meets a 5xx is repeated, as every read is', async () => {
    const { rig: r } = await setup();
    const { uuid } = await r.client.copyImage(debianId(r), DEMO_DESTINATION);
    r.sim.faults.add({ kind: 'http502', method: 'GET', path: '/jobs/' });
    expect((await r.client.getJob(uuid)).state).toBe('pending');
    expect(r.client.stats.retries).toBe(1);
  });
});

describe('Wakame-VDC adapter: copy jobs as tasks', () => {
  it('maps the job to a task: pending and running at 0 %, then finished at 100 % with the copy\'s image at the destination', async () => {
    const { rig: r, backend: b } = await setup();
    const { job_id } = await b.copyImage(debianId(r), DEMO_DESTINATION);
    const id = job_id as TaskId;
    expect(await b.getTask(id)).toEqual({ id, finished: false, progress: 0, status: 'pending', destination: DEMO_DESTINATION });
    r.clock.advance(JOB_STEP_MS);
    expect(await b.getTask(id)).toEqual({ id, finished: false, progress: 0, status: 'running', destination: DEMO_DESTINATION });
    r.clock.advance(JOB_STEP_MS);
    const task = await b.getTask(id);
    const copy = r.sim.state.destinations.get(DEMO_DESTINATION)?.copies[0];
    expect(copy?.imageId).toMatch(/^wmi-/);
    expect(task).toEqual({ id, finished: true, progress: 100, status: 'succeeded', image_id: copy?.imageId, destination: DEMO_DESTINATION });
  });

  it('a failed copy is retrying while tries are left, then finished with dcmgr\'s reason and a next step', async () => {
    const { rig: r, backend: b } = await setup();
    const id = (await b.copyImage(debianId(r), 'nowhere')).job_id as TaskId;
    r.clock.advance(2 * JOB_STEP_MS);
    expect(await b.getTask(id)).toMatchObject({ finished: false, status: 'retrying' });
    r.clock.advance(2 * JOB_STEP_MS);
    const task = await b.getTask(id);
    expect(task).toMatchObject({ finished: true, progress: 100, status: 'failed', destination: 'nowhere' });
    expect(task.image_id).toBeUndefined();
    expect(task.failure?.message).toBe(`Copy job ${id} of image "debian-12-app" (${debianId(r)}) to "nowhere" failed after 2 tries: "Unknown destination: nowhere"`);
    expect(task.failure?.next).toMatch(/^"nowhere" is not a destination this site's backup storage agent \(bksta\) is configured with: ask the Wakame-VDC administrator/);
  });

  it('a destination that is down says to try again later', async () => {
    const { rig: r, backend: b } = await setup({ destinations: [{ name: 'site-b', alive: false }] });
    const id = (await b.copyImage(debianId(r), 'site-b')).job_id as TaskId;
    r.clock.advance(4 * JOB_STEP_MS);
    const task = await b.getTask(id);
    expect(task.failure?.message).toMatch(/failed after 2 tries: "site-b is not alive destination\."$/);
    expect(task.failure?.next).toMatch(/did not answer this site's backup storage agent: call copy_image again later/);
  });

  it('a cancelled job is reported as cancelled, before or after bksta started it', async () => {
    const { rig: r, backend: b } = await setup();
    const early = (await b.copyImage(debianId(r), DEMO_DESTINATION)).job_id as TaskId;
    await raw(r, 'DELETE', `/jobs/${early}`);
    const late = (await b.copyImage(debianId(r), DEMO_DESTINATION)).job_id as TaskId;
    r.clock.advance(JOB_STEP_MS);
    await raw(r, 'DELETE', `/jobs/${late}`);
    const before = await b.getTask(early);
    expect(before).toMatchObject({ finished: true, status: 'cancelled' });
    expect(before.failure?.message).toMatch(/was cancelled in dcmgr before it started, so no copy was made$/);
    const after = await b.getTask(late);
    expect(after).toMatchObject({ finished: true, status: 'cancelled' });
    expect(after.failure?.next).toMatch(/the destination may have registered a copy already/);
  });

  it('an unknown id, an id that is no job id, and another account\'s copy are all not found, with what to pass instead', async () => {
    const { rig: r, backend: b } = await setup();
    const admin = new DcmgrClient({ url: r.sim.url, admin: true, retryDelayMs: 1 });
    const neighbour = simImage(r.sim, 'neighbour-private');
    const theirs = (await admin.copyImage(neighbour.id, DEMO_DESTINATION)).uuid;
    await admin.close();
    for (const id of ['job-zzzzzzzz', 'wmi-12345678', theirs]) {
      const error = await rejection(b.getTask(id as TaskId));
      expect(error.kind, id).toBe('not_found');
      expect(error.message, id).toBe(`dcmgr has no job "${id}" this target can see`);
      expect(error.next, id).toMatch(/pass the job id copy_image answered \(job-xxxxxxxx\)/);
    }
    // A public image's copy is visible, as the image is.
    const publicCopy = (await b.copyImage(simImage(r.sim, 'ubuntu-24.04-server').id as ImageId, DEMO_DESTINATION)).job_id as TaskId;
    expect((await b.getTask(publicCopy)).status).toBe('pending');
  });

  it('lists the jobs this server queued; clearing one forgets it here and sends nothing to dcmgr, which keeps the job', async () => {
    const { rig: r, backend: b } = await setup();
    expect(await b.listTasks()).toEqual([]);
    const first = (await b.copyImage(debianId(r), DEMO_DESTINATION)).job_id as TaskId;
    const second = (await b.copyImage(debianId(r), 'nowhere')).job_id as TaskId;
    expect(await b.listTasks()).toEqual([first, second]);
    await b.clearTask(first);
    expect(await b.listTasks()).toEqual([second]);
    expect(r.sim.stats.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
    expect((await b.getTask(first)).id).toBe(first);
  });

  it('the neutral layer lists the remembered jobs as tasks and waits for one that has finished', async () => {
    const { rig: r, backend: b } = await setup();
    const vmm = new Vmm(b, { pollMs: 1, maxPollMs: 1 });
    const id = (await b.copyImage(debianId(r), DEMO_DESTINATION)).job_id as TaskId;
    expect((await vmm.listTasks()).map((task) => [task.id, task.status])).toEqual([[id, 'pending']]);
    r.clock.advance(2 * JOB_STEP_MS);
    const outcome = await vmm.waitForTask(id, { timeoutMs: 30_000 });
    expect(outcome).toMatchObject({ done: true, value: { status: 'succeeded', image_id: r.sim.state.destinations.get(DEMO_DESTINATION)?.copies[0]?.imageId } });
    // Collected by the wait: no longer listed.
    expect(await vmm.listTasks()).toEqual([]);
  });

  it('a job dcmgr lost (its database reset) is left out of the listing and forgotten, not an error for every later listing', async () => {
    const { rig: r, backend: b } = await setup();
    const vmm = new Vmm(b, { pollMs: 1, maxPollMs: 1 });
    const lost = (await b.copyImage(debianId(r), DEMO_DESTINATION)).job_id as TaskId;
    const kept = (await b.copyImage(debianId(r), DEMO_DESTINATION)).job_id as TaskId;
    r.sim.state.jobs.splice(r.sim.state.jobs.findIndex((job) => job.id === lost), 1);
    expect((await vmm.listTasks()).map((task) => task.id)).toEqual([kept]);
    expect(await b.listTasks()).toEqual([kept]);
    await expect(vmm.getTask(lost)).rejects.toThrow(`dcmgr has no job "${lost}" this target can see`);
  });
});

/** One MCP server with one Wakame target on the rig's simulator (its clock moves only when told to), and an SDK client. */
async function serve(current: WakameRig): Promise<(name: string, args: Record<string, unknown>) => Promise<CallToolResult>> {
  const logger = createLogger('debug', recordOutput);
  backend = new WakameBackend(current.client, { hypervisor: 'kvm' });
  const server = createServer({ targets: [{ name: 'vdc', vmm: new Vmm(backend, { pollMs: 1, maxPollMs: 1 }), policy: DEFAULT_POLICY }], logger });
  const client = new Client({ name: 'vmm-mcp-test', version: '1.0.0' });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  closeServer = async () => {
    await client.close();
    await server.close();
  };
  return async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult;
}

interface TaskView { task_id: string; finished: boolean; progress: number; status: string; image_id?: string; destination?: string; error?: string }

describe('copy_image, then get_task and wait_task, through MCP', () => {
  it('get_task shows the job as it moves; wait_task on the finished job names the copy\'s image id at the destination', async () => {
    rig = await wakameRig();
    const call = await serve(rig);
    const copy = structured<{ status: string; job: { id: string }; message: string }>(await call('copy_image', { image: 'debian-12-app', destination: DEMO_DESTINATION }));
    expect(copy.message).toContain(`Call wait_task with task_id ${copy.job.id}`);
    const pending = structured<{ task: TaskView }>(await call('get_task', { task_id: copy.job.id }));
    expect(pending.task).toEqual({ task_id: copy.job.id, finished: false, progress: 0, status: 'pending', destination: DEMO_DESTINATION });
    expect(structured<{ tasks: TaskView[] }>(await call('list_tasks', {})).tasks.map((task) => task.task_id)).toEqual([copy.job.id]);

    rig.clock.advance(2 * JOB_STEP_MS);
    const waited = structured<{ status: string; message: string; task: TaskView }>(await call('wait_task', { task_id: copy.job.id, timeout_s: 30 }));
    const imageId = rig.sim.state.destinations.get(DEMO_DESTINATION)?.copies[0]?.imageId;
    expect(imageId).toMatch(/^wmi-/);
    expect(waited.status).toBe('finished');
    expect(waited.task).toEqual({ task_id: copy.job.id, finished: true, progress: 100, status: 'succeeded', image_id: imageId, destination: DEMO_DESTINATION });
    expect(waited.message).toBe(
      `Task ${copy.job.id} finished (succeeded). It made image ${imageId} at "${DEMO_DESTINATION}", which this target does not list (a target for that place does).`,
    );
    // Collected: gone from list_tasks, still readable by its id (dcmgr keeps the job).
    expect(structured<{ tasks: TaskView[] }>(await call('list_tasks', {})).tasks).toEqual([]);
    expect(structured<{ task: TaskView }>(await call('get_task', { task_id: copy.job.id })).task.image_id).toBe(imageId);
    expect(rig.sim.stats.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
  });

  it('wait_task on a failed copy is an error with dcmgr\'s reason and the next step; get_task carries it as error', async () => {
    rig = await wakameRig();
    const call = await serve(rig);
    const copy = structured<{ job: { id: string } }>(await call('copy_image', { image: 'debian-12-app', destination: 'nowhere' }));
    rig.clock.advance(4 * JOB_STEP_MS);
    const text = errorText(await call('wait_task', { task_id: copy.job.id, timeout_s: 30 }));
    const [line, next] = text.split('\n');
    expect(line).toMatch(new RegExp(`^wait_task failed: Copy job ${copy.job.id} of image "debian-12-app" \\(wmi-[a-z0-9]{8}\\) to "nowhere" failed after 2 tries: "Unknown destination: nowhere"$`));
    expect(next).toMatch(/^Next: "nowhere" is not a destination .* then call copy_image again with one of them$/);
    const task = structured<{ task: TaskView }>(await call('get_task', { task_id: copy.job.id })).task;
    expect(task).toMatchObject({ finished: true, status: 'failed', destination: 'nowhere' });
    expect(task.error).toMatch(/failed after 2 tries: "Unknown destination: nowhere"\. Next: "nowhere" is not a destination/);
  });

  it('an unknown job id is an error that says what to pass', async () => {
    rig = await wakameRig();
    const call = await serve(rig);
    for (const [tool, extra] of [['get_task', {}], ['wait_task', { timeout_s: 5 }]] as const) {
      const text = errorText(await call(tool, { task_id: 'job-zzzzzzzz', ...extra }));
      expect(text, tool).toBe(
        `${tool} failed: dcmgr has no job "job-zzzzzzzz" this target can see\nNext: pass the job id copy_image answered (job-xxxxxxxx); list_tasks shows the copy jobs this server queued since it started`,
      );
    }
  });

  it('on a simulator whose clock runs, wait_task waits through pending and running to the copy (generous bounds, short steps)', async () => {
    h = await startProvidersHarness();
    const progress: string[] = [];
    const copy = structured<{ job: { id: string } }>(await h.call('copy_image', { target: 'vdc', image: 'debian-12-app', destination: DEMO_DESTINATION }));
    const result = (await h.client.callTool(
      { name: 'wait_task', arguments: { target: 'vdc', task_id: copy.job.id, timeout_s: 60 } },
      undefined,
      { onprogress: (note) => progress.push(note.message ?? '') },
    )) as CallToolResult;
    const waited = structured<{ status: string; task: TaskView }>(result);
    expect(waited.status).toBe('finished');
    expect(waited.task.image_id).toBe(h.sims.vdc.state.destinations.get(DEMO_DESTINATION)?.copies[0]?.imageId);
    expect(progress.at(-1)).toBe(`task ${copy.job.id}: finished, 100%`);
  });

  it('copy_image with wait: true follows the job to the copy at the destination, or to why it failed (running clock, generous bounds)', async () => {
    h = await startProvidersHarness();
    const done = structured<{ status: string; message: string; task: TaskView; job: { id: string; destination: string } }>(
      await h.call('copy_image', { target: 'vdc', image: 'debian-12-app', destination: DEMO_DESTINATION, wait: true, timeout_s: 60 }),
    );
    const imageId = h.sims.vdc.state.destinations.get(DEMO_DESTINATION)?.copies[0]?.imageId;
    expect(imageId).toMatch(/^wmi-/);
    expect(done).toMatchObject({ status: 'done', job: { destination: DEMO_DESTINATION }, task: { task_id: done.job.id, status: 'succeeded', image_id: imageId } });
    expect(done.message).toBe(`Copying image debian-12-app to ${DEMO_DESTINATION}: done; the copy is image ${imageId} at "${DEMO_DESTINATION}", which target vdc does not list.`);

    const failed = structured<{ status: string; message: string; task: TaskView }>(
      await h.call('copy_image', { target: 'vdc', image: 'debian-12-app', destination: 'nowhere', wait: true, timeout_s: 60 }),
    );
    expect(failed.status).toBe('failed');
    expect(failed.task).toMatchObject({ finished: true, status: 'failed', destination: 'nowhere' });
    expect(failed.message).toMatch(/^Copying image debian-12-app to nowhere: Copy job job-\S+ .* failed after 2 tries: "Unknown destination: nowhere"\. Next: "nowhere" is not a destination /);
  });
});
