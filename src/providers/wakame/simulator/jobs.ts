import { DcmgrFailure, SimulatorCrash } from './failure.js';
import { imageToWire, jobToWire, type SimImage, type SimJob } from './model.js';
import type { Requester, WakameState } from './state.js';

/**
 * dcmgr's queued copy jobs (jobs.rb, models/queued_job.rb) as this site's backup storage agent (bksta)
 * works them: a job waits pending, is taken (running, one more try), and either finishes with the
 * copy's ids at the destination or fails the try; a failed try goes back to pending until the
 * agent's retry budget is used up. Each move takes `jobStepMs` of the simulator's clock and is made
 * when someone next reads the job. Jobs are not account resources in dcmgr: any requester reads any job.
 */

/** The agent's node id, as in bksta's queue names. */
const AGENT_NODE = 'bksta.demo1';
/** dcmgr's `valid_uuid_syntax?`: the prefix, a dash, word characters. */
const JOB_ID = /^job-\w+/;

/** `PUT /images/:id/copy_to` has checked the image; this queues the job (retry_max 0 until the agent sets its own). */
export function queueCopy(state: WakameState, image: SimImage, destination: string): SimJob {
  const now = state.now();
  const job: SimJob = {
    id: state.newId('job'),
    imageId: image.id,
    destination,
    params: { image: imageToWire(image), backup_object: { uuid: image.backupObjectId, object_key: `${image.backupObjectId}.qcow2` }, destination },
    resourceId: image.backupObjectId,
    queueName: `backup_storage.copy_to.${AGENT_NODE}`,
    state: 'pending',
    workerId: null,
    retryMax: 0,
    retryCount: 0,
    finishStatus: null,
    finishMessage: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    nextAt: now + state.options.timings.jobStepMs,
  };
  state.jobs.push(job);
  return job;
}

export function showJob(state: WakameState, _requester: Requester, id: string): unknown {
  return jobToWire(findJob(state, id));
}

/** `DELETE /jobs/:id`: dcmgr cancels whatever has not finished; a finished job raises outside its error table. */
export function cancelJob(state: WakameState, _requester: Requester, id: string): unknown {
  const job = findJob(state, id);
  if (job.state === 'finished') throw new SimulatorCrash('Already terminated');
  finish(job, 'cancel', state.now());
  return [job.id];
}

function findJob(state: WakameState, id: string): SimJob {
  if (!JOB_ID.test(id)) throw new DcmgrFailure('InvalidParameter', `Invalid UUID Syntax: ${id}`);
  const job = state.jobs.find((candidate) => candidate.id === id);
  if (job === undefined) throw new DcmgrFailure('UnknownUUIDResource', id);
  settle(state, job);
  return job;
}

function settle(state: WakameState, job: SimJob): void {
  const now = state.now();
  while (job.nextAt !== null && job.nextAt <= now) {
    const at = job.nextAt;
    if (job.state === 'pending') take(state, job, at);
    else tryCopy(state, job, at);
  }
}

/** The agent pops the job: it runs, one try more; the first pop gives it the agent's retry budget. */
function take(state: WakameState, job: SimJob, at: number): void {
  job.state = 'running';
  job.workerId = AGENT_NODE;
  job.startedAt ??= at;
  if (job.retryMax === 0) job.retryMax = state.options.jobRetryMax;
  job.retryCount += 1;
  job.updatedAt = at;
  job.nextAt = at + state.options.timings.jobStepMs;
}

/** bksta's copy: the destination must be configured and alive; it then registers the copy under new ids. */
function tryCopy(state: WakameState, job: SimJob, at: number): void {
  const destination = state.destinations.get(job.destination);
  if (destination === undefined) {
    failTry(state, job, at, `Unknown destination: ${job.destination}`);
    return;
  }
  if (!destination.alive) {
    failTry(state, job, at, `${job.destination} is not alive destination.`);
    return;
  }
  const copy = { imageId: state.newId('wmi'), backupObjectId: state.newId('bo'), sourceImageId: job.imageId, jobId: job.id };
  destination.copies.push(copy);
  finish(job, 'success', at);
  job.finishMessage = { destination: job.destination, backup_object_id: copy.backupObjectId, image_id: copy.imageId };
}

/** dcmgr keeps the try's reason in finish_message, and queues the job again while tries are left. */
function failTry(state: WakameState, job: SimJob, at: number, reason: string): void {
  job.finishMessage = { message: reason };
  job.updatedAt = at;
  if (job.retryMax > job.retryCount) {
    job.state = 'pending';
    job.workerId = null;
    job.nextAt = at + state.options.timings.jobStepMs;
    return;
  }
  finish(job, 'fail', at);
}

function finish(job: SimJob, status: NonNullable<SimJob['finishStatus']>, at: number): void {
  job.state = 'finished';
  job.finishStatus = status;
  job.finishedAt = at;
  job.updatedAt = at;
  job.nextAt = null;
}
