/**
 * The simulated cluster's records. Field names follow the project's model (snake_case, MiB); the
 * handlers translate them to each API style's wire names and units.
 */

/** The official guide's guest statuses that the simulator produces. */
export type SimVmStatus = 'running' | 'shutdown' | 'booting' | 'shutting_down' | 'creating';

/** Statuses in which a VM holds CPU and memory on its host. */
export const ONLINE_STATUSES: ReadonlySet<SimVmStatus> = new Set(['running', 'booting', 'shutting_down']);

export interface SimHost {
  id: string;
  name: string;
  status: string;
  cpu_threads: number;
  ram_mb: number;
  /** vCPUs and memory held by VMs that are online on this host. */
  reserved_cpu: number;
  reserved_ram_mb: number;
}

export interface SimStorage {
  id: string;
  name: string;
  host_id: string;
  size_mb: number;
  used_mb: number;
  volume_path: string;
  status: string;
}

export interface SimNetwork {
  id: string;
  name: string;
}

export interface SimImage {
  id: string;
  name: string;
  type: 'disk' | 'vdsm' | 'iso';
  size_mb: number;
  storage_ids: string[];
  /** Unix seconds. */
  create_time: number;
}

export interface SimDisk {
  id: string;
  size_mb: number;
  /** 1 VirtIO, 2 IDE, 3 SATA. */
  controller: 1 | 2 | 3;
  unmap: boolean;
  /** The image the disk was cloned from, if any. */
  image_id?: string;
}

export interface SimNic {
  id: string;
  mac: string;
  /** 1 VirtIO, 2 e1000, 3 rtl8139. */
  model: 1 | 2 | 3;
  /** Empty string: not connected (the guide's convention). */
  network_id: string;
}

export interface SimVm {
  id: string;
  name: string;
  status: SimVmStatus;
  vcpus: number;
  ram_mb: number;
  /** 0 off, 1 last state, 2 on. */
  autorun: 0 | 1 | 2;
  description: string;
  storage_id: string;
  disks: SimDisk[];
  nics: SimNic[];
  /** Where the VM runs, or last ran / is placed while off. */
  host_id: string | undefined;
}

export type SimTaskKind = 'guest_create' | 'image_create' | 'guest_power';

export interface SimTask {
  id: string;
  kind: SimTaskKind;
  /** The task's word in `task_info.status`. */
  status: string;
  started_at: number;
  duration_ms: number;
  finished_at: number | undefined;
  auto_clean: boolean;
  guest_id?: string;
  image_id?: string;
}
