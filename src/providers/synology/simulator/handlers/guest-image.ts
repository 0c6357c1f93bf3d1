import type { Call, Handler, Simulator } from '../context.js';
import { findImage, startImageCreation } from '../images.js';
import type { SimImage } from '../model.js';
import { badParameter } from '../wire.js';

/** SYNO.Virtualization.API.Guest.Image (official style). */

const IMAGE_TYPES: ReadonlyArray<SimImage['type']> = ['disk', 'vdsm', 'iso'];

/** A file the simulated NAS "has": sizes follow the name so that runs are repeatable. */
function fileSizeMb(path: string): number {
  let hash = 0;
  for (const char of path) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 1024 + (hash % 8192);
}

function create({ sim, params }: Call): unknown {
  const name = params.required('image_name');
  const type = params.required('type');
  if (!IMAGE_TYPES.includes(type as SimImage['type'])) throw badParameter('type', 'must be disk, vdsm or iso');
  const path = params.required('ds_file_path');
  // The guide: "the path should begin with a shared folder", e.g. /share/syno.img.
  if (!/^\/[^/]+\/.+/.test(path)) throw badParameter('ds_file_path', 'must start with / and a shared folder, e.g. /share/image.img');
  const storageIds = resolveStorages(sim, params.stringArray('storage_ids'), params.stringArray('storage_names'));
  const autoClean = params.boolean('auto_clean_task', true);
  const { taskId } = startImageCreation(sim, { name, type: type as SimImage['type'], size_mb: fileSizeMb(path), storage_ids: storageIds }, autoClean);
  return { task_id: taskId };
}

function resolveStorages(sim: Simulator, ids: string[] | undefined, names: string[] | undefined): string[] {
  if (ids !== undefined && ids.length > 0) {
    return ids.map((id) => {
      if (!sim.state.storages.has(id)) throw badParameter('storage_ids', `no storage with id ${id}`);
      return id;
    });
  }
  if (names !== undefined && names.length > 0) {
    return names.map((name) => {
      const storage = sim.state.storageNamed(name);
      if (storage === undefined) throw badParameter('storage_names', `no storage named ${JSON.stringify(name)}`);
      return storage.id;
    });
  }
  throw badParameter('storage_ids', 'storage_ids or storage_names (a JSON array) is required');
}

export const guestImageMethods: Readonly<Record<string, Handler>> = {
  list: ({ sim }) => ({
    images: [...sim.state.images.values()].map((image) => ({
      image_id: image.id,
      image_name: image.name,
      storages: image.storage_ids.map((id) => {
        const storage = sim.state.storages.get(id);
        return { status: storage?.status ?? 'missing', storage_id: id, storage_name: storage?.name ?? '' };
      }),
      type: image.type,
    })),
  }),
  delete: ({ sim, params }) => {
    sim.state.images.delete(findImage(sim, params).id);
    return undefined;
  },
  create,
};
