import type { IdSource } from './ids.js';
import type { ResolvedOptions } from './options.js';
import type { PowerControl } from './power.js';
import type { Session, SessionStore } from './sessions.js';
import type { SimulatorState } from './state.js';
import type { TaskBoard } from './tasks.js';
import type { Timers } from './timers.js';
import type { Params } from './wire.js';

/** One request as the simulator saw it; `passwd`, `otp_code`, `device_id` and logout's `sid` are masked. */
export interface RecordedRequest {
  api: string;
  method: string;
  params: Record<string, string>;
  at: number;
  /** `query.cgi`, `auth.cgi`, `entry.cgi`, ... */
  cgi: string;
  httpMethod: string;
  /** Names of the parameters that came in the URL (the rest came in the form body). */
  queryKeys: string[];
  /** The fault injected into this request, if any. */
  fault?: 'http500' | 'drop';
}

export interface SimulatorStats {
  logins: number;
  logouts: number;
  requests: RecordedRequest[];
}

/** Everything a handler may touch. */
export interface Simulator {
  options: ResolvedOptions;
  state: SimulatorState;
  sessions: SessionStore;
  ids: IdSource;
  timers: Timers;
  /** When the box "booted", on its clock (SYNO.DSM.Info's uptime). */
  startedAt: number;
  tasks: TaskBoard;
  power: PowerControl;
  stats: SimulatorStats;
}

export interface Call {
  sim: Simulator;
  params: Params;
  /** The caller's session; set for every API that requires login. */
  session: Session | undefined;
  /** The sid the caller sent (`_sid` in query or form, or the `id` cookie). */
  sid: string | undefined;
  cgi: string;
  version: number;
  setCookie(cookie: string): void;
}

/** Returns the `data` of a successful answer (`undefined`: none), or throws a `DsmFailure`. */
export type Handler = (call: Call) => unknown;

export interface ApiDefinition {
  path: string;
  minVersion: number;
  maxVersion: number;
  /** Whether a valid session (`_sid`) is required. */
  needsSession: boolean;
  methods: Readonly<Record<string, Handler>>;
}
