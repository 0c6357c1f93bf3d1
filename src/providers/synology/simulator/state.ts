import type { SimHost, SimImage, SimNetwork, SimStorage, SimTask, SimVm } from './model.js';
import { ONLINE_STATUSES } from './model.js';

/**
 * The simulated cluster. Collections keep insertion order (lists come out stable); VMs are changed
 * only through the methods here so that the name index and the capacity counters stay exact.
 * Tests may read everything and may change hosts, storages, networks and images directly.
 */
export class SimulatorState {
  readonly hosts = new Map<string, SimHost>();
  readonly storages = new Map<string, SimStorage>();
  readonly networks = new Map<string, SimNetwork>();
  readonly images = new Map<string, SimImage>();
  readonly tasks = new Map<string, SimTask>();
  /** Names of images whose creation task still runs: taken, though not listed yet. */
  readonly imageNamesInCreation = new Set<string>();
  private readonly vmsById = new Map<string, SimVm>();
  private readonly vmIdsByName = new Map<string, Set<string>>();

  get vms(): ReadonlyMap<string, SimVm> {
    return this.vmsById;
  }

  /** VMs with exactly this name (DSM forbids duplicates, but a test may create them). */
  vmsNamed(name: string): SimVm[] {
    const ids = this.vmIdsByName.get(name);
    if (ids === undefined) return [];
    return [...ids].map((id) => this.vmsById.get(id)).filter((vm): vm is SimVm => vm !== undefined);
  }

  vmNamed(name: string): SimVm | undefined {
    return this.vmsNamed(name)[0];
  }

  hostNamed(name: string): SimHost | undefined {
    return findByName(this.hosts, name);
  }

  storageNamed(name: string): SimStorage | undefined {
    return findByName(this.storages, name);
  }

  networkNamed(name: string): SimNetwork | undefined {
    return findByName(this.networks, name);
  }

  imageNamed(name: string): SimImage | undefined {
    return findByName(this.images, name);
  }

  /** Threads not taken by online VMs; never below 0, though DSM lets vCPUs overcommit the threads. */
  freeCpu(host: SimHost): number {
    return Math.max(0, host.cpu_threads - host.reserved_cpu);
  }

  freeRamMb(host: SimHost): number {
    return host.ram_mb - host.reserved_ram_mb;
  }

  freeStorageMb(storage: SimStorage): number {
    return storage.size_mb - storage.used_mb;
  }

  /** Adds a VM as given: its disks are charged to its storage, and if online, its CPU/RAM to its host. */
  addVm(vm: SimVm): SimVm {
    this.vmsById.set(vm.id, vm);
    this.indexName(vm);
    const storage = this.storages.get(vm.storage_id);
    if (storage !== undefined) storage.used_mb += diskTotalMb(vm);
    this.reserve(vm, 1);
    return vm;
  }

  removeVm(vm: SimVm): void {
    this.setStatus(vm, 'shutdown');
    const storage = this.storages.get(vm.storage_id);
    if (storage !== undefined) storage.used_mb = Math.max(0, storage.used_mb - diskTotalMb(vm));
    this.unindexName(vm);
    this.vmsById.delete(vm.id);
  }

  renameVm(vm: SimVm, name: string): void {
    this.unindexName(vm);
    vm.name = name;
    this.indexName(vm);
  }

  /** Changes status, moving the VM's CPU/RAM reservation on and off its host as it goes online or offline. */
  setStatus(vm: SimVm, status: SimVm['status'], hostId: string | undefined = vm.host_id): void {
    this.reserve(vm, -1);
    vm.status = status;
    vm.host_id = hostId;
    this.reserve(vm, 1);
  }

  private reserve(vm: SimVm, sign: 1 | -1): void {
    if (!ONLINE_STATUSES.has(vm.status) || vm.host_id === undefined) return;
    const host = this.hosts.get(vm.host_id);
    if (host === undefined) return;
    host.reserved_cpu += sign * vm.vcpus;
    host.reserved_ram_mb += sign * vm.ram_mb;
  }

  private indexName(vm: SimVm): void {
    const ids = this.vmIdsByName.get(vm.name);
    if (ids === undefined) this.vmIdsByName.set(vm.name, new Set([vm.id]));
    else ids.add(vm.id);
  }

  private unindexName(vm: SimVm): void {
    const ids = this.vmIdsByName.get(vm.name);
    ids?.delete(vm.id);
    if (ids?.size === 0) this.vmIdsByName.delete(vm.name);
  }
}

export function diskTotalMb(vm: SimVm): number {
  return vm.disks.reduce((sum, disk) => sum + disk.size_mb, 0);
}

function findByName<T extends { name: string }>(items: ReadonlyMap<string, T>, name: string): T | undefined {
  for (const item of items.values()) if (item.name === name) return item;
  return undefined;
}
