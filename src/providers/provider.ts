import type { z } from 'zod';
import type { LoadedSettings, SettingKey } from '../config.js';
import type { Logger } from '../log.js';
import type { VmmBackend } from '../vmm/backend.js';

/**
 * What a provider folder exports, and all the rest of the server knows of it. Adding a provider is one
 * folder that exports a `ProviderDefinition` and one line in ./index.ts.
 *
 * `Connection` is the provider's own connection settings (address, credentials, timeouts) once read and
 * checked: the settings layer builds it, the runtime turns it into a backend.
 */
export interface ProviderDefinition<Connection> {
  /** The `type` of a target (`VMM_TYPE`, `targets[].type`). */
  readonly type: string;
  /** For people: "Synology VMM", "LunaNode". */
  readonly title: string;
  /** The top-level settings its single-target route reads (reported as ignored when a config file declares targets). */
  readonly settingKeys: readonly SettingKey[];
  /** The connection fields of one of its entries in a config file's `targets`, beside name, type and the safety fields. */
  readonly targetFields: z.ZodRawShape;
  /** The single target "default" from the top-level settings (environment, flags, config file without targets). */
  fromSettings(loaded: LoadedSettings, setup: TargetSetup): Connection;
  /** One entry of a config file's `targets` (already parsed by `targetFields`). */
  fromTarget(entry: Record<string, unknown>, setup: TargetSetup): Connection;
  /** Every secret in the connection, registered with the redactor before anything can print it. */
  secretsOf(connection: Connection): ReadonlyArray<string | undefined>;
  /** The live side: one backend per target; nothing is sent before the first call. */
  connect(connection: Connection, logger: Logger): ConnectedBackend;
  readonly simulator: SimulatorDefinition<Connection>;
}

export interface ConnectedBackend {
  backend: VmmBackend;
  /** Whether the backend holds a logged-in session right now; asks nothing. Providers without sessions answer true. */
  sessionLive(): boolean;
}

/** What a provider needs to read its settings: where each came from, the environment, and a place for warnings. */
export interface TargetSetup {
  /** The target's name ("default" for the single-target route). */
  name: string;
  /** The entry as an error names it: `targets[0] (nas1) in /etc/vmm.json`, or `the settings` for the single-target route. */
  where: string;
  /** The request timeout this target gets (its own, else the global one). */
  timeoutMs: number;
  /** How the user names the place a key came from (`VMM_PASSWORD_FILE`, `targets[0].password_env in /etc/vmm.json`). */
  label(key: string): string;
  /** The config file a value was written in literally, for secrets that should not be (single-target route: only when it was). */
  literalIn(key: string): string | undefined;
  env: NodeJS.ProcessEnv;
  /** Things the user should fix that do not stop the server. */
  warn(message: string): void;
}

/** The provider's fake system over HTTP on 127.0.0.1: `vmm-mcp simulator --provider X` and one target of `--simulator`. */
export interface SimulatorDefinition<Connection> {
  /** Loads the simulator's code only when called (the stdio server never loads it). */
  start(options: SimulatorStart): Promise<RunningSimulator<Connection>>;
}

export interface SimulatorStart {
  host: string;
  port: number;
  loaded: LoadedSettings;
  logger: Logger;
}

export interface RunningSimulator<Connection> {
  url: string;
  /** The lines `vmm-mcp simulator` prints: where it listens and the (public) demo credentials. */
  describe(): string[];
  /** A connection to this simulator with its demo credentials, for the `--simulator` demo. */
  demoConnection(timeoutMs: number): Connection;
  /** One log line of what it answered, printed when it stops. */
  summary(): string;
  close(): Promise<void>;
}
