import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, type LoadedSettings, type SettingKey, type TargetEntry } from './config.js';
import type { DsmClientOptions } from './providers/synology/dsm/client.js';
import { otpSecretProblem } from './providers/synology/dsm/totp.js';
import type { Policy } from './safety/policy.js';

/**
 * Turns validated settings into the NAS targets the server talks to: reads password, TOTP secret and
 * CA files, looks up the environment variables a config file names, and combines global and
 * per-target safety settings. Everything a user can get wrong here is a `ConfigError`.
 */

export interface TargetConfig {
  name: string;
  connection: Omit<DsmClientOptions, 'logger' | 'sessionName' | 'readRetries'>;
  policy: Policy;
}

export interface ResolvedTargets {
  targets: TargetConfig[];
  /** Things the user should fix but that do not stop the server, for stderr. */
  warnings: string[];
}

/** Targets for a real DSM: the config file's `targets`, or the single target "default" from the VMM_* settings. */
export function resolveTargets(loaded: LoadedSettings, env: NodeJS.ProcessEnv): ResolvedTargets {
  const warnings: string[] = [];
  const { settings, sourceOf } = loaded;
  if (settings.audit_log !== undefined) requireFolder(settings.audit_log, sourceOf('audit_log'));
  if (settings.targets !== undefined) {
    const ignored = (['url', 'username', 'password', 'password_file', 'otp_secret', 'otp_secret_file', 'device_id', 'ca_file', 'tls_fingerprint'] as const)
      .filter((key) => settings[key] !== undefined)
      .map(sourceOf);
    if (ignored.length > 0) warnings.push(`${ignored.join(', ')} ignored: ${loaded.configFile} declares targets, each with its own connection settings`);
    return { targets: settings.targets.map((entry, index) => fileTarget(entry, `targets[${index}]`, loaded, env, warnings)), warnings };
  }

  if (settings.url === undefined) {
    throw new ConfigError('VMM_URL is required (the DSM address, e.g. https://nas.local:5001), or use --simulator for a demo');
  }
  if (settings.username === undefined) throw new ConfigError('VMM_USERNAME is required (the DSM account to sign in with)');
  const password = oneSecret(
    [
      { label: sourceOf('password'), value: settings.password, literalIn: fileOnly('password', loaded) },
      { label: sourceOf('password_file'), file: settings.password_file },
    ],
    warnings,
  );
  if (password === undefined) {
    throw new ConfigError(`VMM_PASSWORD or VMM_PASSWORD_FILE is required (the password of DSM account ${settings.username})`);
  }
  requireMaskable(password, `The password of DSM account ${settings.username} (VMM_PASSWORD or VMM_PASSWORD_FILE)`);
  const otpSecret = oneOtpSecret(
    [
      { label: sourceOf('otp_secret'), value: settings.otp_secret, literalIn: fileOnly('otp_secret', loaded) },
      { label: sourceOf('otp_secret_file'), file: settings.otp_secret_file },
    ],
    warnings,
  );
  const deviceId = oneSecret([{ label: sourceOf('device_id'), value: settings.device_id, literalIn: fileOnly('device_id', loaded) }], warnings);
  const target: TargetConfig = {
    name: 'default',
    connection: {
      url: settings.url,
      username: settings.username,
      password,
      ...(otpSecret === undefined ? {} : { otpSecret }),
      ...(deviceId === undefined ? {} : { deviceId }),
      timeoutMs: settings.timeout_ms,
      tls: tlsOf(settings.ca_file, sourceOf('ca_file'), settings.tls_fingerprint, settings.insecure_tls),
    },
    policy: { readOnly: settings.read_only, destructive: settings.destructive, protect: settings.protect },
  };
  warnIfPlainHttp(target, warnings);
  return { targets: [target], warnings };
}

/** Shorter passwords cannot be masked in output without garbling it (every "abc" would go). */
const MIN_PASSWORD_LENGTH = 4;

function requireMaskable(password: string, what: string): void {
  if (password.length >= MIN_PASSWORD_LENGTH) return;
  throw new ConfigError(`${what} has ${password.length} character(s); vmm-mcp needs at least ${MIN_PASSWORD_LENGTH} to keep it out of everything it prints. Give the account a longer password.`);
}

/** The target of `--simulator`: the in-process simulator, with the global safety settings. */
export function simulatorTarget(url: string, account: { account: string; password: string }, loaded: LoadedSettings): TargetConfig {
  const { settings } = loaded;
  if (settings.audit_log !== undefined) requireFolder(settings.audit_log, loaded.sourceOf('audit_log'));
  return {
    name: 'simulator',
    connection: { url, username: account.account, password: account.password, timeoutMs: settings.timeout_ms, tls: {} },
    policy: { readOnly: settings.read_only, destructive: settings.destructive, protect: settings.protect },
  };
}

function fileTarget(entry: TargetEntry, where: string, loaded: LoadedSettings, env: NodeJS.ProcessEnv, warnings: string[]): TargetConfig {
  const { settings, configFile } = loaded;
  const at = (key: string): string => `${where}.${key} in ${configFile}`;
  const password = oneSecret(
    [
      { label: at('password'), value: entry.password, literalIn: configFile },
      { label: at('password_env'), value: fromEnv(entry.password_env, at('password_env'), env) },
      { label: at('password_file'), file: entry.password_file },
    ],
    warnings,
  );
  if (password === undefined) throw new ConfigError(`${where} (${entry.name}) in ${configFile} needs password_env or password_file (or password)`);
  requireMaskable(password, `The password of ${where} (${entry.name}) in ${configFile}`);
  const otpSecret = oneOtpSecret(
    [
      { label: at('otp_secret'), value: entry.otp_secret, literalIn: configFile },
      { label: at('otp_secret_env'), value: fromEnv(entry.otp_secret_env, at('otp_secret_env'), env) },
      { label: at('otp_secret_file'), file: entry.otp_secret_file },
    ],
    warnings,
  );
  const deviceId = oneSecret(
    [
      { label: at('device_id'), value: entry.device_id, literalIn: configFile },
      { label: at('device_id_env'), value: fromEnv(entry.device_id_env, at('device_id_env'), env) },
    ],
    warnings,
  );
  const target: TargetConfig = {
    name: entry.name,
    connection: {
      url: entry.url,
      username: entry.username,
      password,
      ...(otpSecret === undefined ? {} : { otpSecret }),
      ...(deviceId === undefined ? {} : { deviceId }),
      timeoutMs: entry.timeout_ms ?? settings.timeout_ms,
      tls: tlsOf(entry.ca_file, at('ca_file'), entry.tls_fingerprint, entry.insecure_tls ?? false),
    },
    // Safety settings lean to the safe side: read-only anywhere wins, protections add up.
    policy: {
      readOnly: settings.read_only || entry.read_only === true,
      destructive: entry.destructive ?? settings.destructive,
      protect: [...settings.protect, ...(entry.protect ?? [])],
    },
  };
  warnIfPlainHttp(target, warnings);
  return target;
}

interface SecretSource {
  label: string;
  value?: string | undefined;
  file?: string | undefined;
  /** The config file the value was written in literally, if it was. */
  literalIn?: string | undefined;
}

/** At most one source may be given; a literal secret in a config file works but is warned about. */
function oneSecret(sources: SecretSource[], warnings: string[]): string | undefined {
  const given = sources.filter((source) => source.value !== undefined || source.file !== undefined);
  if (given.length > 1) throw new ConfigError(`${given.map((source) => source.label).join(' and ')} are both set; keep one`);
  const source = given[0];
  if (source === undefined) return undefined;
  if (source.file !== undefined) return readSecretFile(source.file, source.label, warnings);
  if (source.literalIn !== undefined) {
    warnings.push(`${source.label} is a secret written in a config file; prefer the *_env or *_file form (or the environment) and keep the file private`);
  }
  return source.value;
}

/** A TOTP secret that cannot be decoded is a setting to fix now, not a login that fails later. */
function oneOtpSecret(sources: SecretSource[], warnings: string[]): string | undefined {
  const secret = oneSecret(sources, warnings);
  const problem = secret === undefined ? undefined : otpSecretProblem(secret);
  if (problem === undefined) return secret;
  const given = sources.find((source) => source.value !== undefined || source.file !== undefined);
  const what = given?.file === undefined ? given?.label : `the secret in ${given.file} (${given.label})`;
  throw new ConfigError(`${what ?? 'the OTP secret'} ${problem}; use the secret key DSM showed when 2-step verification was enabled`);
}

function fileOnly(key: SettingKey, loaded: LoadedSettings): string | undefined {
  return loaded.configFile !== undefined && loaded.sourceOf(key) === `${key} in ${loaded.configFile}` ? loaded.configFile : undefined;
}

function fromEnv(name: string | undefined, label: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name === undefined) return undefined;
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`${label} names the environment variable ${name}, which is not set`);
  return value;
}

function readSecretFile(path: string, label: string, warnings: string[]): string {
  const content = readText(path, label).trim();
  if (content === '') throw new ConfigError(`${label}: ${path} is empty`);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    warnings.push(`${label}: ${path} can be read by other users; run chmod 600 on it`);
  }
  return content;
}

function readText(path: string, label: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${label}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function tlsOf(caFile: string | undefined, caLabel: string, fingerprint: string | undefined, insecure: boolean): TargetConfig['connection']['tls'] {
  const tls: NonNullable<TargetConfig['connection']['tls']> = {};
  if (caFile !== undefined) {
    const ca = readText(caFile, caLabel);
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${caLabel}: ${caFile} is not a PEM certificate (no BEGIN CERTIFICATE line)`);
    tls.ca = ca;
  }
  if (fingerprint !== undefined) tls.fingerprint = fingerprint;
  if (insecure) tls.insecure = true;
  return tls;
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

function warnIfPlainHttp(target: TargetConfig, warnings: string[]): void {
  const { hostname, protocol } = new URL(target.connection.url);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
  if (protocol === 'http:' && !loopback) {
    warnings.push(`target ${target.name} uses plain http (${target.connection.url}): the DSM password crosses the network unencrypted; use the https port (usually 5001)`);
  }
}
