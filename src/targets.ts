import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, type LoadedSettings, type SettingKey, type TargetEntry } from './config.js';
import { PROVIDERS, providerOf } from './providers/index.js';
import type { TargetSetup } from './providers/provider.js';
import type { Policy } from './safety/policy.js';

/**
 * Turns validated settings into the targets the server talks to: each target's provider reads its own
 * connection settings (secrets from files or the environment), and this combines global and per-target
 * safety settings. Everything a user can get wrong here is a `ConfigError`.
 */

export interface TargetConfig {
  name: string;
  /** The provider's `type` (src/providers/index.ts). */
  type: string;
  /** The provider's own connection settings, as its definition built them. */
  connection: unknown;
  policy: Policy;
}

export interface ResolvedTargets {
  targets: TargetConfig[];
  /** Things the user should fix but that do not stop the server, for stderr. */
  warnings: string[];
}

/** The config file's `targets`, or the single target "default" from the top-level settings (`VMM_TYPE` picks its provider). */
export function resolveTargets(loaded: LoadedSettings, env: NodeJS.ProcessEnv): ResolvedTargets {
  const warnings: string[] = [];
  const { settings, sourceOf } = loaded;
  if (settings.audit_log !== undefined) requireFolder(settings.audit_log, sourceOf('audit_log'));
  if (settings.targets !== undefined) {
    const singleTargetKeys = new Set<SettingKey>(['type', ...PROVIDERS.flatMap((provider) => provider.settingKeys)]);
    const ignored = [...singleTargetKeys]
      .filter((key) => settings[key] !== undefined && !(key === 'type' && sourceOf(key) === `the default of ${key}`))
      .map(sourceOf);
    if (ignored.length > 0) warnings.push(`${ignored.join(', ')} ignored: ${loaded.configFile} declares targets, each with its own connection settings`);
    return { targets: settings.targets.map((entry, index) => fileTarget(entry, index, loaded, env, warnings)), warnings };
  }
  const provider = providerOf(settings.type);
  const setup: TargetSetup = {
    name: 'default',
    where: 'the settings',
    timeoutMs: settings.timeout_ms,
    label: (key) => sourceOf(key as SettingKey),
    literalIn: (key) => fileOnly(key as SettingKey, loaded),
    env,
    warn: (message) => warnings.push(message),
  };
  const target: TargetConfig = {
    name: 'default',
    type: provider.type,
    connection: provider.fromSettings(loaded, setup),
    policy: { readOnly: settings.read_only, destructive: settings.destructive, protect: settings.protect },
  };
  return { targets: [target], warnings };
}

/** A target of the `--simulator` demo: one provider's in-process simulator, with the global safety settings. */
export function simulatorTarget(name: string, type: string, connection: unknown, loaded: LoadedSettings): TargetConfig {
  const { settings } = loaded;
  if (settings.audit_log !== undefined) requireFolder(settings.audit_log, loaded.sourceOf('audit_log'));
  return { name, type, connection, policy: { readOnly: settings.read_only, destructive: settings.destructive, protect: settings.protect } };
}

function fileTarget(entry: TargetEntry, index: number, loaded: LoadedSettings, env: NodeJS.ProcessEnv, warnings: string[]): TargetConfig {
  const { settings, configFile } = loaded;
  const where = `targets[${index}]`;
  const provider = providerOf(entry.type);
  const setup: TargetSetup = {
    name: entry.name,
    where: `${where} (${entry.name}) in ${configFile}`,
    timeoutMs: entry.timeout_ms ?? settings.timeout_ms,
    label: (key) => `${where}.${key} in ${configFile}`,
    literalIn: () => configFile,
    env,
    warn: (message) => warnings.push(message),
  };
  return {
    name: entry.name,
    type: provider.type,
    connection: provider.fromTarget(entry, setup),
    // Safety settings lean to the safe side: read-only anywhere wins, protections add up.
    policy: {
      readOnly: settings.read_only || entry.read_only === true,
      destructive: entry.destructive ?? settings.destructive,
      protect: [...settings.protect, ...(entry.protect ?? [])],
    },
  };
}

function fileOnly(key: SettingKey, loaded: LoadedSettings): string | undefined {
  return loaded.configFile !== undefined && loaded.sourceOf(key) === `${key} in ${loaded.configFile}` ? loaded.configFile : undefined;
}

function requireFolder(path: string, label: string): void {
  const folder = dirname(path);
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch (error) {
    throw new ConfigError(`${label}: the folder ${folder} of ${path} does not exist (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (!isFolder) throw new ConfigError(`${label}: ${folder} is not a folder`);
}
