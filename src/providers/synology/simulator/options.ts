import type { Logger } from '../../../log.js';
import { silentLogger } from '../../../log.js';
import { REAL_CLOCK, type SimulatorClock } from './timers.js';

/** An account the simulated DSM knows. */
export interface SimulatedUser {
  account: string;
  password: string;
  /** Base32 TOTP secret: the account has 2-step verification on. */
  otpSecret?: string;
  /** Login answers 401 (account disabled). */
  disabled?: boolean;
  /** Login answers 402 (permission denied), as for an account not allowed to sign in. */
  permissionDenied?: boolean;
  /** `false`: login works but every VMM API answers 105 (the session has no permission). */
  vmmAccess?: boolean;
}

/** The public demo account; its password is printed by the standalone simulator on purpose. */
export const DEMO_USER: SimulatedUser = Object.freeze({ account: 'admin', password: 'vmm-demo-password' });

export interface HostSpec {
  name: string;
  cpuThreads: number;
  ramMb: number;
  /** DSM's words: running, inaccessible, network_warn, control_unavail. Default running. */
  status?: string;
}

export interface StorageSpec {
  name: string;
  /** Name of the host the storage lives on. */
  host: string;
  sizeMb: number;
  /** Space used by other data, before any VM disk or image. */
  usedMb?: number;
  volumePath?: string;
  status?: string;
}

export interface ImageSpec {
  name: string;
  type: 'disk' | 'vdsm' | 'iso';
  sizeMb: number;
  /** Storage names; default: the first storage. */
  storages?: string[];
}

export interface InventoryOptions {
  /** Generate this many VMs (named vm-00001, ...) instead of the default handful. */
  vms?: number;
  hosts?: HostSpec[];
  storages?: StorageSpec[];
  networks?: string[];
  images?: ImageSpec[];
  /** Seed of the deterministic id sequence (default 1). */
  seed?: number;
}

export interface SimulatorOptions {
  /** API family served (default 'official'). */
  style?: 'official' | 'compact';
  /** 7: SYNO.API.Auth at entry.cgi max v7; 6: at auth.cgi max v6 (default 7). */
  dsmVersion?: 6 | 7;
  users?: SimulatedUser[];
  /** Idle expiry (default 1 hour); an expired sid answers `expiryCode`. */
  sessionTtlMs?: number;
  expiryCode?: 106 | 119;
  /** booting -> running, shutting_down -> shutdown (default 1500). */
  powerSettleMs?: number;
  /** Create VM / create image tasks run this long (default 3000). */
  taskDurationMs?: number;
  /** Finished auto_clean tasks vanish after this (default 60000). */
  taskCleanMs?: number;
  inventory?: InventoryOptions;
  /** Serve HTTPS with this PEM pair. */
  tls?: { key: string; cert: string };
  host?: string;
  port?: number;
  /** Where unexpected simulator failures are reported (default: silent). */
  logger?: Logger;
  /** Time for sessions, power transitions and tasks (default: the real clock); tests pass one they move by hand. */
  clock?: SimulatorClock;
}

export interface ResolvedOptions {
  style: 'official' | 'compact';
  dsmVersion: 6 | 7;
  users: SimulatedUser[];
  sessionTtlMs: number;
  expiryCode: 106 | 119;
  powerSettleMs: number;
  taskDurationMs: number;
  taskCleanMs: number;
  inventory: InventoryOptions;
  tls: { key: string; cert: string } | undefined;
  host: string;
  port: number;
  logger: Logger;
  clock: SimulatorClock;
}

export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  return {
    style: options.style ?? 'official',
    dsmVersion: options.dsmVersion ?? 7,
    users: options.users ?? [DEMO_USER],
    sessionTtlMs: options.sessionTtlMs ?? 60 * 60 * 1000,
    expiryCode: options.expiryCode ?? 119,
    powerSettleMs: options.powerSettleMs ?? 1500,
    taskDurationMs: options.taskDurationMs ?? 3000,
    taskCleanMs: options.taskCleanMs ?? 60_000,
    inventory: options.inventory ?? {},
    tls: options.tls,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    logger: options.logger ?? silentLogger,
    clock: options.clock ?? REAL_CLOCK,
  };
}
