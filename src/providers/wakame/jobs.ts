import { OperationError } from '../../errors.js';
import type { ImageId, Task, TaskFailure, TaskId } from '../../vmm/model.js';
import { quoted } from '../../text/quote.js';
import type { WireQueuedJob } from './dcmgr/wire.js';

/**
 * dcmgr's queued jobs as neutral tasks. A job is pending, running or finished, and a finished one ended
 * in success, fail or cancel (queued_job.rb); a failed try that has tries left goes back to pending
 * with its reason kept. dcmgr reports no progress: 0 until the job finished, then 100. A copy that
 * succeeded names the image the destination registered; that image lives at the destination's site.
 */

/** Queues whose jobs are image copies: bksta takes them from `backup_storage.copy_to.<its node>`. */
const COPY_QUEUE = 'backup_storage.copy_to.';

export function taskFromJob(job: WireQueuedJob): Task {
  const finished = job.state === 'finished';
  const message = job.finish_message ?? undefined;
  const destination = message?.destination ?? job.params?.destination ?? undefined;
  const imageId = finished && job.finish_status === 'success' ? message?.image_id : undefined;
  const failure = finished ? failureOf(job) : undefined;
  return {
    id: job.id as TaskId,
    finished,
    progress: finished ? 100 : 0,
    status: statusOf(job),
    ...(imageId ? { image_id: imageId as ImageId } : {}),
    ...(destination ? { destination } : {}),
    ...(failure === undefined ? {} : { failure }),
  };
}

/** dcmgr's state while the job is open, how it ended once finished; a pending job after a failed try is retrying. */
function statusOf(job: WireQueuedJob): string {
  if (job.state === 'pending' && (job.retry_count ?? 0) > 0) return 'retrying';
  if (job.state !== 'finished') return job.state;
  switch (job.finish_status) {
    case 'success':
      return 'succeeded';
    case 'fail':
      return 'failed';
    case 'cancel':
      return 'cancelled';
    default:
      return job.finish_status ?? 'finished';
  }
}

function failureOf(job: WireQueuedJob): TaskFailure | undefined {
  if (job.finish_status === 'success') return undefined;
  const what = describe(job);
  if (job.finish_status === 'cancel') {
    return job.started_at
      ? {
          message: `${what} was cancelled in dcmgr while the backup storage agent was at it`,
          next: 'the destination may have registered a copy already (a target configured for that site lists it); call copy_image again if the copy is still wanted',
        }
      : { message: `${what} was cancelled in dcmgr before it started, so no copy was made`, next: 'call copy_image again if the copy is still wanted' };
  }
  if (job.finish_status !== 'fail') {
    return {
      message: `${what} finished with ${quoted(job.finish_status ?? '')}, an outcome this server does not know, so it is not counted as a copy`,
      next: 'check with a target configured for the destination whether the copy arrived; call copy_image again if it did not',
    };
  }
  const reason = job.finish_message?.message ?? '';
  const kind = job.finish_message?.error_type ? ` (${quoted(job.finish_message.error_type)})` : '';
  const tries = job.retry_count ?? 0;
  return {
    message: `${what} failed after ${tries} ${tries === 1 ? 'try' : 'tries'}: ${reason === '' ? 'dcmgr gave no reason' : quoted(reason)}${kind}`,
    next: nextAfterFailure(job, reason),
  };
}

/** bksta's own two refusals have a clear way out; anything else happened while moving the file. */
function nextAfterFailure(job: WireQueuedJob, reason: string): string {
  const destination = quoted(job.params?.destination ?? '');
  if (reason.startsWith('Unknown destination')) {
    return `${destination} is not a destination this site's backup storage agent (bksta) is configured with: ask the Wakame-VDC administrator for the destination names, then call copy_image again with one of them`;
  }
  if (reason.endsWith('is not alive destination.')) {
    return `the site behind ${destination} did not answer this site's backup storage agent: call copy_image again later, or ask the Wakame-VDC administrator whether that site is up`;
  }
  return "get_image shows whether the source image is still available; call copy_image again once the cause is fixed (the backup storage agent's log on this site has the details)";
}

function describe(job: WireQueuedJob): string {
  if (!(job.queue_name ?? '').startsWith(COPY_QUEUE)) return `Job ${job.id}${job.queue_name ? ` (queue ${quoted(job.queue_name)})` : ''}`;
  const image = job.params?.image;
  const source = image?.id ? ` of image ${image.display_name ? `${quoted(image.display_name)} (${image.id})` : image.id}` : '';
  const destination = job.params?.destination ? ` to ${quoted(job.params.destination)}` : '';
  return `Copy job ${job.id}${source}${destination}`;
}

/** An id dcmgr does not know (100), one that is no job id (143), or another account's copy. */
export function noSuchJob(id: string, cause?: unknown): OperationError {
  return new OperationError('not_found', `dcmgr has no job ${quoted(id)} this target can see`, {
    reason: 'task_not_found',
    next: 'pass the job id copy_image answered (job-xxxxxxxx); list_tasks shows the copy jobs this server queued since it started',
    ...(cause === undefined ? {} : { cause }),
  });
}
