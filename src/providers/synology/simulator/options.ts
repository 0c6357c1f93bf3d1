import type { Logger } from '../../../log.js';
import { silentLogger } from '../../../log.js';
import { realClock, type SimClock } from './clock.js';

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
  /**
   * A correct password is still refused with this code: 406 2-step verification enforced but not set
   * up, 407 source IP blocked, 408 password expired and may not be changed, 409 password expired,
   * 410 password must be changed.
   */
  loginRefusal?: 406 | 407 | 408 | 409 | 410;
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

/**
 * Which guest API family the box serves: `official` the guide's SYNO.Virtualization.API.* (on DSM 7
 * with the internal SYNO.Virtualization.Guest and .Image beside it, as real DSM 7 boxes list both); `internal`
 * only the internal family in the dialect real DSM 7 speaks (lowercase `list`/`get`, `pwr_ctl`);
 * `compact` only the seed documents' CamelCase variant of that family (`List`, `PowerOn`, ...).
 */
export type SimulatorStyle = 'official' | 'internal' | 'compact';

export interface SimulatorOptions {
  /** API family served (default 'official'). */
  style?: SimulatorStyle;
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
  /** Finished tasks vanish this long after they finished, whatever their auto_clean_task (default 60000). */
  taskCleanMs?: number;
  /**
   * `false`: guests carry no `host_id`/`host_name`, which the guide does not list and a real box may
   * leave out (default true for the official and compact styles; the internal dialect never has them).
   */
  guestHostFields?: boolean;
  /**
   * `true`: the official guest list carries `vdisks` and `vnics` even without `additional`, as the
   * guide's own example of that request does; what a real box leaves out there is not documented
   * (default false: only with additional=true).
   */
  guestListDevicesAlways?: boolean;
  /**
   * `true`: a second login of the same account with the same session name ends the first one, which
   * then answers 107. Real DSM lets such logins coexist (two browser tabs with `webui`), so default false.
   */
  duplicateLoginKicks?: boolean;
  /** Time for sessions, tasks, power transitions and clean-ups (default the real clock); tests pass one they move by hand. */
  clock?: SimClock;
  inventory?: InventoryOptions;
  /** Serve HTTPS with this PEM pair. */
  tls?: { key: string; cert: string };
  host?: string;
  port?: number;
  /** Where unexpected simulator failures are reported (default: silent). */
  logger?: Logger;
}

export interface ResolvedOptions {
  style: SimulatorStyle;
  dsmVersion: 6 | 7;
  users: SimulatedUser[];
  sessionTtlMs: number;
  expiryCode: 106 | 119;
  powerSettleMs: number;
  taskDurationMs: number;
  taskCleanMs: number;
  guestHostFields: boolean;
  guestListDevicesAlways: boolean;
  duplicateLoginKicks: boolean;
  clock: SimClock;
  inventory: InventoryOptions;
  tls: { key: string; cert: string } | undefined;
  host: string;
  port: number;
  logger: Logger;
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
    guestHostFields: options.guestHostFields ?? true,
    guestListDevicesAlways: options.guestListDevicesAlways ?? false,
    duplicateLoginKicks: options.duplicateLoginKicks ?? false,
    clock: options.clock ?? realClock,
    inventory: options.inventory ?? {},
    tls: options.tls,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    logger: options.logger ?? silentLogger,
  };
}
