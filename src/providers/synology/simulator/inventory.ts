import type { IdSource } from './ids.js';
import type { SimDisk, SimHost, SimImage, SimNetwork, SimNic, SimStorage, SimVm } from './model.js';
import type { HostSpec, ImageSpec, InventoryOptions, StorageSpec } from './options.js';
import type { SimulatorState } from './state.js';
import { placeOnHost } from './placement.js';

const DEFAULT_HOSTS: HostSpec[] = [
  { name: 'nas-01', cpuThreads: 8, ramMb: 16384 },
  { name: 'nas-02', cpuThreads: 4, ramMb: 8192 },
];

const DEFAULT_STORAGES: StorageSpec[] = [
  { name: 'nas-01 - VM Storage 1', host: 'nas-01', sizeMb: 2_000_000, usedMb: 120_000, volumePath: '/volume1' },
  { name: 'nas-02 - VM Storage 1', host: 'nas-02', sizeMb: 500_000, usedMb: 40_000, volumePath: '/volume1' },
];

const DEFAULT_NETWORKS = ['Default VM Network', 'Lab Network'];

const DEFAULT_IMAGES: ImageSpec[] = [
  { name: 'ubuntu-24.04-cloud', type: 'disk', sizeMb: 3584, storages: ['nas-01 - VM Storage 1', 'nas-02 - VM Storage 1'] },
  { name: 'debian-12-cloud', type: 'disk', sizeMb: 2048, storages: ['nas-01 - VM Storage 1'] },
  { name: 'ubuntu-24.04-live.iso', type: 'iso', sizeMb: 6144, storages: ['nas-01 - VM Storage 1'] },
];

/** A VM of the starting inventory; storage and networks are indexes into the inventory's lists. */
interface VmSpec {
  name: string;
  running: boolean;
  host?: string;
  vcpus: number;
  ramMb: number;
  autorun: 0 | 1 | 2;
  description: string;
  storage: number;
  disks: Array<{ sizeMb: number; image?: number }>;
  networks: number[];
}

const DEFAULT_VMS: VmSpec[] = [
  // The guide's working example asks for guest_name=win10.
  { name: 'win10', running: false, vcpus: 2, ramMb: 2048, autorun: 0, description: '', storage: 0, disks: [{ sizeMb: 25600 }], networks: [0] },
  {
    name: 'web-01', running: true, host: 'nas-01', vcpus: 2, ramMb: 4096, autorun: 2, description: 'Public web server',
    storage: 0, disks: [{ sizeMb: 20480, image: 0 }], networks: [0],
  },
  {
    name: 'db-01', running: true, host: 'nas-01', vcpus: 4, ramMb: 8192, autorun: 1, description: 'PostgreSQL primary',
    storage: 0, disks: [{ sizeMb: 40960, image: 1 }, { sizeMb: 102400 }], networks: [0, 1],
  },
  {
    name: 'lab-router', running: true, host: 'nas-02', vcpus: 1, ramMb: 1024, autorun: 2, description: 'Routes the lab network',
    storage: 1, disks: [{ sizeMb: 8192 }], networks: [1],
  },
  { name: 'ci runner (old)', running: false, vcpus: 2, ramMb: 2048, autorun: 0, description: 'Kept for reference', storage: 1, disks: [{ sizeMb: 30720 }], networks: [0] },
  // Sized so that no host can take it while the VMs above run: diagnose_vm_start can be tried on it without setup.
  {
    name: 'analytics-01', running: false, vcpus: 4, ramMb: 12288, autorun: 0, description: 'Nightly reporting jobs',
    storage: 0, disks: [{ sizeMb: 51200 }], networks: [0],
  },
];

/** Fills the state with the configured (or default) hosts, storages, networks, images and VMs. */
export function buildInventory(state: SimulatorState, ids: IdSource, options: InventoryOptions): void {
  for (const spec of options.hosts ?? DEFAULT_HOSTS) {
    const host: SimHost = {
      id: ids.uuid(), name: spec.name, status: spec.status ?? 'running',
      cpu_threads: spec.cpuThreads, ram_mb: spec.ramMb, reserved_cpu: 0, reserved_ram_mb: 0,
    };
    state.hosts.set(host.id, host);
  }
  const firstHost = [...state.hosts.values()][0];
  for (const spec of options.storages ?? DEFAULT_STORAGES) {
    const host = state.hostNamed(spec.host) ?? firstHost;
    if (host === undefined) throw new Error(`storage ${spec.name} needs a host, and the inventory has none`);
    const id = ids.uuid();
    state.storages.set(id, {
      id, name: spec.name, host_id: host.id, size_mb: spec.sizeMb, used_mb: spec.usedMb ?? 0,
      volume_path: spec.volumePath ?? '/volume1', status: spec.status ?? 'online',
    });
  }
  for (const name of options.networks ?? DEFAULT_NETWORKS) {
    const id = ids.uuid();
    state.networks.set(id, { id, name });
  }
  const storageList = [...state.storages.values()];
  const firstStorage = storageList[0];
  if (firstStorage === undefined) throw new Error('the simulated inventory needs at least one storage');
  let createTime = 1_735_689_600;
  for (const spec of options.images ?? DEFAULT_IMAGES) {
    const storageIds = (spec.storages ?? [firstStorage.name])
      .map((name) => state.storageNamed(name)?.id)
      .filter((id): id is string => id !== undefined);
    const id = ids.uuid();
    state.images.set(id, { id, name: spec.name, type: spec.type, size_mb: spec.sizeMb, storage_ids: storageIds, create_time: createTime });
    createTime += 86_400;
  }
  const vmSpecs = options.vms === undefined ? DEFAULT_VMS : generatedVms(options.vms);
  const catalog: Catalog = { storages: storageList, networks: [...state.networks.values()], images: [...state.images.values()] };
  for (const spec of vmSpecs) addVmFromSpec(state, ids, spec, catalog);
  if (options.vms !== undefined && options.storages === undefined) growStoragesToFit(state);
}

function generatedVms(count: number): VmSpec[] {
  const width = Math.max(5, String(count).length);
  const specs: VmSpec[] = [];
  for (let index = 1; index <= count; index += 1) {
    specs.push({
      name: `vm-${String(index).padStart(width, '0')}`,
      running: index % 4 === 1,
      vcpus: 1 + (index % 2),
      ramMb: 512 * (1 + (index % 4)),
      autorun: (index % 3) as 0 | 1 | 2,
      description: index % 10 === 0 ? `generated VM ${index}` : '',
      storage: index,
      disks: [{ sizeMb: 1024 * (8 + (index % 8)) }],
      networks: [index],
    });
  }
  return specs;
}

interface Catalog {
  storages: readonly SimStorage[];
  networks: readonly SimNetwork[];
  images: readonly SimImage[];
}

function addVmFromSpec(state: SimulatorState, ids: IdSource, spec: VmSpec, { storages, networks, images }: Catalog): void {
  const storage = storages[spec.storage % storages.length];
  if (storage === undefined) return;
  const disks: SimDisk[] = spec.disks.map((disk) => {
    const image = disk.image === undefined ? undefined : images[disk.image];
    return { id: ids.uuid(), size_mb: disk.sizeMb, controller: 1, unmap: false, ...(image ? { image_id: image.id } : {}) };
  });
  const nics: SimNic[] = spec.networks.map((index) => ({
    id: ids.uuid(), mac: ids.mac(), model: 1, network_id: networks.length === 0 ? '' : (networks[index % networks.length]?.id ?? ''),
  }));
  const vm: SimVm = {
    id: ids.uuid(), name: spec.name, status: 'shutdown', vcpus: spec.vcpus, ram_mb: spec.ramMb, autorun: spec.autorun,
    description: spec.description, storage_id: storage.id, disks, nics, host_id: storage.host_id,
  };
  state.addVm(vm);
  if (!spec.running) return;
  const wanted = spec.host === undefined ? undefined : state.hostNamed(spec.host);
  const placement = placeOnHost(state, vm, wanted);
  // A VM that does not fit anywhere starts the simulation switched off rather than overcommitting a host.
  if (placement.host !== undefined) state.setStatus(vm, 'running', placement.host.id);
}

/** Generated inventories can be large; their storages grow so that every generated disk fits with room to spare. */
function growStoragesToFit(state: SimulatorState): void {
  for (const storage of state.storages.values()) {
    if (storage.used_mb * 1.25 > storage.size_mb) storage.size_mb = Math.ceil(storage.used_mb * 1.25);
  }
}
