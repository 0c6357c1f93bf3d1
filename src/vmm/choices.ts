import type { Image, Network, Storage } from './model.js';

/** A default the server picked for an argument the caller left out, and the reason, for the result. */
export interface Chosen {
  argument: 'storage' | 'network';
  id: string;
  name: string;
  why: string;
}

/** The outcome of picking one default: the pick, or why none can be made and what the caller may pass. */
export type Choice<T> = { picked: T; why: string } | { missing: string };

/** Statuses from the guide's storage list that still take new disks (missing, unavailable, crashed and full do not). */
const USABLE_STORAGE = new Set(['online', 'degraded', 'provision_warning']);

/**
 * Where a new VM's disks go when the caller did not say, as VMM's own wizard picks: among the usable
 * storages holding the image (any usable storage when the backend does not say where images are), the
 * one with the most free space, provided the disks fit. A storage whose free space is unknown is taken
 * only when no storage's is known.
 */
export function chooseStorage(image: Image, storages: readonly Storage[], neededMb: number): Choice<Storage> {
  const holding = image.storages.length === 0 ? storages : storages.filter((storage) => image.storages.some((where) => where.id === storage.id));
  const usable = holding.filter((storage) => USABLE_STORAGE.has(storage.status));
  const known = usable.filter((storage) => freeMb(storage) !== undefined);
  const fitting = known.filter((storage) => (freeMb(storage) ?? 0) >= neededMb).sort((a, b) => (freeMb(b) ?? 0) - (freeMb(a) ?? 0));
  const [roomiest] = fitting;
  const where = image.storages.length === 0 ? 'storage' : `storage holding image ${image.name}`;
  if (roomiest !== undefined) {
    const free = `${gib(freeMb(roomiest) ?? 0)} GiB`;
    const why = usable.length === 1 ? `the only usable ${where}, ${free} free` : `the usable ${where} with the most free space, ${free}`;
    return { picked: roomiest, why };
  }
  const [onlyUnknown] = usable;
  if (known.length === 0 && onlyUnknown !== undefined && usable.length === 1) {
    return { picked: onlyUnknown, why: `the only usable ${where}` };
  }
  const candidates = holding.map((storage) => `${storage.name} (id ${storage.id}, ${storage.status}${describeFree(storage)})`).join(', ');
  if (holding.length === 0) return { missing: `storage: no storage holds image ${image.name}` };
  if (usable.length === 0) return { missing: `storage: no ${where} is usable now: ${candidates}` };
  if (known.length === 0) return { missing: `storage: ${usable.length} storages could take it and their free space is unknown: ${candidates}` };
  return { missing: `storage: no ${where} has the ${gib(neededMb)} GiB free the disks need: ${candidates}` };
}

/** The network the backend calls its default (VMM's "Default VM Network"), else the only one. */
export function chooseNetwork(networks: readonly Network[]): Choice<Network> {
  const defaults = networks.filter((network) => network.default === true);
  const [byDefault] = defaults;
  if (byDefault !== undefined && defaults.length === 1) return { picked: byDefault, why: 'the default network for new VMs' };
  const [only] = networks;
  if (only !== undefined && networks.length === 1) return { picked: only, why: 'the only network' };
  if (networks.length === 0) return { missing: 'network: none exists; create one in the virtualization manager first' };
  const candidates = networks.map((network) => `${network.name} (id ${network.id})`).join(', ');
  return { missing: `network: ${networks.length} networks exist and none is the single default: ${candidates}` };
}

function freeMb(storage: Storage): number | undefined {
  return storage.size_mb === undefined || storage.used_mb === undefined ? undefined : storage.size_mb - storage.used_mb;
}

function describeFree(storage: Storage): string {
  const free = freeMb(storage);
  return free === undefined ? '' : `, ${gib(free)} GiB free`;
}

function gib(mb: number): number {
  return Math.round((mb / 1024) * 10) / 10;
}
