import type { Call, Simulator } from '../context.js';
import type { SimDisk, SimImage, SimNic, SimStorage, SimVm } from '../model.js';
import type { Params } from '../wire.js';
import { DsmFailure, badParameter, failure } from '../wire.js';

/**
 * `SYNO.Virtualization.API.Guest` `create`. Parameters the guide does not list are ignored, as DSM
 * ignores what it does not know, except the guest properties that belong to `set`: real boxes
 * answered 401 to creates carrying them, so CPU and memory are set afterwards.
 */
const REJECTED_ON_CREATE = new Set(['vcpu_num', 'vram_size', 'autorun', 'description']);

/** Storage states that still take a new guest; any other (offline, missing, crashed, ...) answers 700, "The storage is in invalid." */
const USABLE_STORAGE = new Set(['online', 'degraded', 'full', 'provision_warning']);

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function createGuest({ sim, params }: Call): unknown {
  for (const name of Object.keys(params.raw)) {
    if (REJECTED_ON_CREATE.has(name)) throw badParameter(name, 'not a parameter of create; set it with set once the guest exists');
  }
  const name = params.required('guest_name');
  const autoClean = params.boolean('auto_clean_task', true);
  if (sim.state.vmsNamed(name).length > 0) throw failure(403, `a guest named ${JSON.stringify(name)} exists`);
  const storage = findStorage(sim, params);
  if (!USABLE_STORAGE.has(storage.status)) throw failure(700, `storage ${storage.name} is ${storage.status}`);
  const disks = parseDisks(sim, params);
  const nics = parseNics(sim, params);

  const needed = disks.reduce((sum, disk) => sum + disk.size_mb, 0);
  const free = sim.state.freeStorageMb(storage);
  if (needed > free) {
    throw new DsmFailure(402, { reason: `insufficient space on storage ${storage.name}: free ${free} MB, needed ${needed} MB` });
  }

  const vm: SimVm = {
    id: sim.ids.uuid(), name, status: 'creating', vcpus: 1, ram_mb: 1024, autorun: 0, description: '',
    storage_id: storage.id, disks, nics, host_id: storage.host_id,
  };
  sim.state.addVm(vm);
  const task = sim.tasks.start('guest_create', 'create', sim.options.taskDurationMs, autoClean, { guest_id: vm.id });
  sim.timers.after(sim.options.taskDurationMs, () => {
    if (sim.state.vms.get(vm.id) === vm && vm.status === 'creating') sim.state.setStatus(vm, 'shutdown');
    sim.tasks.finish(task);
  });
  return { task_id: task.id };
}

function findStorage(sim: Simulator, params: Params): SimStorage {
  const id = params.string('storage_id');
  const name = params.string('storage_name');
  if (id !== undefined && id !== '') {
    const storage = sim.state.storages.get(id);
    if (storage === undefined) throw badParameter('storage_id', `no storage with id ${id}`);
    return storage;
  }
  if (name === undefined || name === '') throw badParameter('storage_id', 'storage_id or storage_name is required');
  const storage = sim.state.storageNamed(name);
  if (storage === undefined) throw badParameter('storage_name', `no storage named ${JSON.stringify(name)}`);
  return storage;
}

function parseDisks(sim: Simulator, params: Params): SimDisk[] {
  const raw = params.json('vdisks');
  if (raw === undefined) throw badParameter('vdisks', 'required');
  if (!Array.isArray(raw)) throw badParameter('vdisks', 'must be a JSON array');
  return raw.map((item: unknown, index) => {
    const entry = asObject(item, `vdisks[${index}]`);
    if (entry.create_type === 0) {
      const size = entry.vdisk_size;
      if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
        throw badParameter(`vdisks[${index}].vdisk_size`, 'a positive size in MB is required for create_type 0');
      }
      return { id: sim.ids.uuid(), size_mb: size, controller: 1, unmap: false };
    }
    if (entry.create_type === 1) {
      const image = findImage(sim, entry, index);
      // The guide: "Image type should be disk."
      if (image.type !== 'disk') throw badParameter(`vdisks[${index}].image_id`, `image ${image.name} is of type ${image.type}, not disk`);
      return { id: sim.ids.uuid(), size_mb: image.size_mb, controller: 1, unmap: false, image_id: image.id };
    }
    throw badParameter(`vdisks[${index}].create_type`, 'must be 0 (empty disk) or 1 (clone an image)');
  });
}

function findImage(sim: Simulator, entry: Record<string, unknown>, index: number): SimImage {
  if (typeof entry.image_id === 'string' && entry.image_id !== '') {
    const image = sim.state.images.get(entry.image_id);
    if (image === undefined) throw failure(906, `no image with id ${entry.image_id}`);
    return image;
  }
  if (typeof entry.image_name === 'string' && entry.image_name !== '') {
    const image = sim.state.imageNamed(entry.image_name);
    if (image === undefined) throw failure(906, `no image named ${JSON.stringify(entry.image_name)}`);
    return image;
  }
  throw badParameter(`vdisks[${index}].image_id`, 'image_id or image_name is required for create_type 1');
}

function parseNics(sim: Simulator, params: Params): SimNic[] {
  const raw = params.json('vnics') ?? [];
  if (!Array.isArray(raw)) throw badParameter('vnics', 'must be a JSON array');
  const macsInUse = raw.some((item) => typeof item === 'object' && item !== null && 'mac' in item) ? allMacs(sim) : new Set<string>();
  return raw.map((item: unknown, index) => {
    const entry = asObject(item, `vnics[${index}]`);
    const networkId = findNetworkId(sim, entry, index);
    let mac: string;
    if (entry.mac === undefined || entry.mac === '') {
      mac = sim.ids.mac();
    } else {
      if (typeof entry.mac !== 'string' || !MAC.test(entry.mac)) throw badParameter(`vnics[${index}].mac`, 'not a MAC address');
      // 905: "MAC conflict."
      if (macsInUse.has(entry.mac.toLowerCase())) throw failure(905, `MAC ${entry.mac} is in use`);
      mac = entry.mac.toLowerCase();
    }
    macsInUse.add(mac);
    return { id: sim.ids.uuid(), mac, model: 1, network_id: networkId };
  });
}

function allMacs(sim: Simulator): Set<string> {
  const macs = new Set<string>();
  for (const vm of sim.state.vms.values()) for (const nic of vm.nics) macs.add(nic.mac.toLowerCase());
  return macs;
}

/** The guide allows an empty `network_id` for a vNIC that is not connected. */
function findNetworkId(sim: Simulator, entry: Record<string, unknown>, index: number): string {
  if (typeof entry.network_id === 'string') {
    if (entry.network_id === '') return '';
    if (!sim.state.networks.has(entry.network_id)) throw badParameter(`vnics[${index}].network_id`, `no network with id ${entry.network_id}`);
    return entry.network_id;
  }
  if (typeof entry.network_name === 'string') {
    const network = sim.state.networkNamed(entry.network_name);
    if (network === undefined) throw badParameter(`vnics[${index}].network_name`, `no network named ${JSON.stringify(entry.network_name)}`);
    return network.id;
  }
  throw badParameter(`vnics[${index}].network_id`, 'network_id or network_name is required');
}

function asObject(item: unknown, name: string): Record<string, unknown> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw badParameter(name, 'must be a JSON object');
  return item as Record<string, unknown>;
}
