import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './config-error.js';

/**
 * Reading secrets from the places a user may keep them: a value (environment or config file), an
 * environment variable a config file names, or a file. Everything a user can get wrong is a ConfigError.
 */

export interface SecretSource {
  label: string;
  value?: string | undefined;
  file?: string | undefined;
  /** The config file the value was written in literally, if it was. */
  literalIn?: string | undefined;
}

/** At most one source may be given; a literal secret in a config file works but is warned about. */
export function oneSecret(sources: SecretSource[], warn: (message: string) => void): string | undefined {
  const given = sources.filter((source) => source.value !== undefined || source.file !== undefined);
  if (given.length > 1) throw new ConfigError(`${given.map((source) => source.label).join(' and ')} are both set; keep one`);
  const source = given[0];
  if (source === undefined) return undefined;
  if (source.file !== undefined) return readSecretFile(source.file, source.label, warn);
  if (source.literalIn !== undefined) {
    warn(`${source.label} is a secret written in a config file; prefer the *_env or *_file form (or the environment) and keep the file private`);
  }
  return source.value;
}

export function fromEnv(name: string | undefined, label: string, env: NodeJS.ProcessEnv): string | undefined {
  if (name === undefined) return undefined;
  const value = env[name];
  if (value === undefined || value === '') throw new ConfigError(`${label} names the environment variable ${name}, which is not set`);
  return value;
}

function readSecretFile(path: string, label: string, warn: (message: string) => void): string {
  const content = readText(path, label).trim();
  if (content === '') throw new ConfigError(`${label}: ${path} is empty`);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    warn(`${label}: ${path} can be read by other users; run chmod 600 on it`);
  }
  return content;
}

export function readText(path: string, label: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${label}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** A loopback address: plain http there crosses no network. */
export function isLoopback(url: string): boolean {
  const { hostname } = new URL(url);
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}
