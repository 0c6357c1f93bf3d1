import { isoTime } from './clock.js';
import { DcmgrFailure } from './failure.js';
import { queueCopy } from './jobs.js';
import { imageToWire, type SimImage } from './model.js';
import { collection, dateRange } from './paging.js';
import type { Params } from './params.js';
import type { Requester, WakameState } from './state.js';

/** The /images routes of dcmgr 12.03 (images.rb): list, show, update, copy_to, soft delete. */

const STATE_FILTERS = new Set(['available', 'deleted', 'alive', 'alive_with_deleted']);

export function listImages(state: WakameState, requester: Requester, params: Params): unknown {
  state.settleAll();
  const wanted = params.get('state');
  if (wanted !== undefined && !STATE_FILTERS.has(wanted)) throw new DcmgrFailure('InvalidParameter', 'state');
  const serviceType = params.get('service_type');
  const created = dateRange(params, 'created');
  const deleted = dateRange(params, 'deleted');
  // dcmgr forces account_id to the requester's and ORs it with is_public when that parameter is present.
  const includePublic = params.has('is_public');
  const images = [...state.images.values()].filter((image) => {
    const owned = requester === undefined || image.accountId === requester.id;
    if (!(owned || (includePublic && image.isPublic))) return false;
    if (requester === undefined && includePublic && !image.isPublic) return false;
    if (serviceType !== undefined && image.serviceType !== serviceType) return false;
    if (!matchesState(image, wanted)) return false;
    return created(image.createdAt) && deleted(image.deletedAt);
  });
  return collection(images, params, state.options.dialect, imageToWire);
}

function matchesState(image: SimImage, wanted: string | undefined): boolean {
  switch (wanted) {
    case undefined:
    case 'alive_with_deleted':
      return true;
    case 'alive':
      // dcmgr's alive images are those without a deleted_at.
      return image.deletedAt === null;
    default:
      return image.state === wanted;
  }
}

export function showImage(state: WakameState, requester: Requester, id: string): unknown {
  return imageToWire(state.findImage(requester, id));
}

export function updateImage(state: WakameState, requester: Requester, id: string, params: Params): unknown {
  const image = state.findImage(requester, id);
  const name = params.get('display_name');
  const description = params.get('description');
  if (name !== undefined) image.displayName = name;
  if (description !== undefined) image.description = description;
  image.updatedAt = state.now();
  return imageToWire(image);
}

export function copyImage(state: WakameState, requester: Requester, id: string, params: Params): unknown {
  const image = state.findImage(requester, id);
  const destination = params.get('destination') ?? '';
  if (destination === '') throw new DcmgrFailure('InvalidParameter', 'destination');
  // The backup object of an image still being made has no storage node to copy from yet.
  if (image.state !== 'available') throw new DcmgrFailure('InvalidBackupStorage', 'Not ready for copy task');
  // Like dcmgr: a queued job (ids job-...), and no new image here; the destination site registers the copy.
  const job = queueCopy(state, image, destination);
  return { uuid: job.id, created_at: isoTime(job.createdAt) };
}

/** A soft delete: the record stays with state deleted and deleted_at set. */
export function deleteImage(state: WakameState, requester: Requester, id: string): unknown {
  const image = state.findImage(requester, id);
  image.steps = [];
  image.state = 'deleted';
  image.deletedAt ??= state.now();
  image.updatedAt = state.now();
  return [image.id];
}
