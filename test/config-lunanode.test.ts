import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config.js';
import { PROVIDER_TYPES } from '../src/providers/index.js';
import type { LunaNodeConnection } from '../src/providers/lunanode/provider.js';
import { resolveTargets, type TargetConfig } from '../src/targets.js';

const folder = mkdtempSync(join(tmpdir(), 'vmm-config-luna-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const KEY = 'k'.repeat(128);

function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

function load(env: Record<string, string> = {}) {
  return loadSettings({ env, flags: {}, cwd: folder });
}

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected an error');
}

function luna(target: TargetConfig | undefined): LunaNodeConnection {
  expect(target?.type).toBe('lunanode');
  return target?.connection as LunaNodeConnection;
}

describe('LunaNode targets in the settings', () => {
  it('builds the single target from VMM_TYPE, VMM_API_ID, VMM_API_KEY and VMM_REGION, with LunaNode as the default URL', () => {
    const [target] = resolveTargets(load({ VMM_TYPE: 'lunanode', VMM_API_ID: 'abcdefghijklmnop', VMM_API_KEY: KEY, VMM_REGION: 'montreal' }), {}).targets;
    expect(luna(target)).toEqual({ url: 'https://dynamic.lunanode.com', apiId: 'abcdefghijklmnop', apiKey: KEY, region: 'montreal', timeoutMs: 30_000 });
  });

  it('names what is missing or wrong', () => {
    expect(errorOf(() => resolveTargets(load({ VMM_TYPE: 'lunanode' }), {}))).toMatch(/^VMM_API_ID is required for a LunaNode target/);
    expect(errorOf(() => resolveTargets(load({ VMM_TYPE: 'lunanode', VMM_API_ID: 'abcdefghijklmnop' }), {}))).toMatch(/^VMM_API_KEY or VMM_API_KEY_FILE is required/);
    expect(errorOf(() => resolveTargets(load({ VMM_TYPE: 'lunanode', VMM_API_ID: 'abcdefghijklmnop', VMM_API_KEY: 'short-key' }), {}))).toBe(
      'VMM_API_KEY: a LunaNode API key has 128 characters, this one has 9',
    );
    expect(errorOf(() => load({ VMM_TYPE: 'openstack' }))).toBe(`VMM_TYPE must be one of ${PROVIDER_TYPES.join(', ')} (got "openstack")`);
    expect(errorOf(() => load({ VMM_REGION: 'paris' }))).toMatch(/^VMM_REGION must be one of toronto, montreal, roubaix/);
  });

  it('reads a config-file target of type lunanode beside a NAS, its key from a file, and refuses unknown types and keys', () => {
    file('luna.key', `${KEY}\n`);
    const config = file(
      'mixed.json',
      JSON.stringify({
        targets: [
          { name: 'nas', url: 'https://nas.local:5001', username: 'ops', password: 'literal-pass' },
          { name: 'cloud', type: 'lunanode', api_id: 'abcdefghijklmnop', api_key_file: 'luna.key', region: 'roubaix', protect: ['prod-*'] },
        ],
      }),
    );
    const { targets } = resolveTargets(load({ VMM_CONFIG: config }), {});
    expect(targets.map((target) => [target.name, target.type])).toEqual([
      ['nas', 'synology'],
      ['cloud', 'lunanode'],
    ]);
    expect(luna(targets[1])).toMatchObject({ apiKey: KEY, region: 'roubaix' });
    expect(targets[1]?.policy.protect).toEqual(['prod-*']);

    const badType = file('bad-type.json', JSON.stringify({ targets: [{ name: 'x', type: 'vsphere', url: 'https://x' }] }));
    expect(errorOf(() => load({ VMM_CONFIG: badType }))).toBe(`targets[0].type in ${badType} must be one of ${PROVIDER_TYPES.join(', ')} (got "vsphere")`);
    const dsmKey = file('dsm-key.json', JSON.stringify({ targets: [{ name: 'x', type: 'lunanode', api_id: 'abcdefghijklmnop', username: 'ops' }] }));
    expect(errorOf(() => load({ VMM_CONFIG: dsmKey }))).toMatch(new RegExp(`^targets\\[0\\] in ${dsmKey}: unknown setting "username" \\(known: name, read_only, destructive, protect, timeout_ms, type, url, api_id, api_key, api_key_env, api_key_file, region\\)`));
    const noKey = file('no-key.json', JSON.stringify({ targets: [{ name: 'x', type: 'lunanode', api_id: 'abcdefghijklmnop' }] }));
    expect(errorOf(() => resolveTargets(load({ VMM_CONFIG: noKey }), {}))).toBe(`targets[0] (x) in ${noKey} needs api_key_env or api_key_file (or api_key)`);
  });
});
