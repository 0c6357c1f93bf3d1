import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../src/config.js';
import type { WakameConnection } from '../src/providers/wakame/provider.js';
import { resolveTargets } from '../src/targets.js';

/** Wakame-VDC targets from the environment and from a config file, and the mistakes refused at start. */

const folder = mkdtempSync(join(tmpdir(), 'vmm-wakame-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function resolve(env: Record<string, string>) {
  return resolveTargets(loadSettings({ env, flags: {}, cwd: folder }), env);
}

function configFile(targets: unknown[]): Record<string, string> {
  const path = join(folder, `targets-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ targets }));
  return { VMM_CONFIG: path };
}

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const URL = 'http://127.0.0.1:9001';

describe('Wakame-VDC settings', () => {
  it('builds the single target from VMM_TYPE=wakame, the account and the hypervisor', () => {
    const { targets } = resolve({ VMM_TYPE: 'wakame', VMM_URL: URL, VMM_WAKAME_ACCOUNT: 'a-shpoolxx', VMM_WAKAME_HYPERVISOR: 'kvm' });
    expect(targets).toHaveLength(1);
    expect(targets[0]?.type).toBe('wakame');
    expect(targets[0]?.connection as WakameConnection).toEqual({ url: URL, account: 'a-shpoolxx', admin: false, hypervisor: 'kvm', timeoutMs: 30_000, tls: {} });
  });

  it('refuses no account unless admin, both at once, and a malformed account id', () => {
    expect(errorOf(() => resolve({ VMM_TYPE: 'wakame', VMM_URL: URL }))).toMatch(/^VMM_WAKAME_ACCOUNT is required .* needs VMM_WAKAME_ADMIN=true$/);
    expect(errorOf(() => resolve({ VMM_TYPE: 'wakame', VMM_URL: URL, VMM_WAKAME_ACCOUNT: 'a-shpoolxx', VMM_WAKAME_ADMIN: 'true' }))).toMatch(/both set/);
    expect(errorOf(() => resolve({ VMM_TYPE: 'wakame', VMM_URL: URL, VMM_WAKAME_ACCOUNT: 'shpoolxx' }))).toMatch(/must be a Wakame-VDC account id/);
  });

  it('an admin target is allowed when asked for, with a warning', () => {
    const { targets, warnings } = resolve({ VMM_TYPE: 'wakame', VMM_URL: URL, VMM_WAKAME_ADMIN: 'yes' });
    expect((targets[0]?.connection as WakameConnection).admin).toBe(true);
    expect(warnings.join('\n')).toMatch(/admin view .* every account/);
  });

  it('reads wakame entries of a config file beside synology ones, with their own keys', () => {
    const env = {
      ...configFile([
        { name: 'nas', url: 'https://nas.local:5001', username: 'ops', password_env: 'NAS_PASSWORD' },
        { name: 'vdc', type: 'wakame', url: 'http://dcmgr.example:9001', account: 'a-tenant01', hypervisor: 'kvm', protect: ['prod-*'], read_only: true },
      ]),
      NAS_PASSWORD: 'correct horse battery',
    };
    const { targets, warnings } = resolve(env);
    expect(targets.map((target) => [target.name, target.type])).toEqual([['nas', 'synology'], ['vdc', 'wakame']]);
    expect(targets[1]?.connection as WakameConnection).toMatchObject({ url: 'http://dcmgr.example:9001', account: 'a-tenant01', hypervisor: 'kvm' });
    expect(targets[1]?.policy).toMatchObject({ readOnly: true, protect: ['prod-*'] });
    expect(warnings.join('\n')).toMatch(/target vdc uses plain http .* the account id crosses the network unencrypted/);
  });

  it('names the file and entry when a wakame entry is wrong', () => {
    const unknownKey = configFile([{ name: 'vdc', type: 'wakame', url: URL, account: 'a-tenant01', username: 'ops' }]);
    expect(errorOf(() => resolve(unknownKey))).toMatch(/username/);
    const noAccount = configFile([{ name: 'vdc', type: 'wakame', url: URL }]);
    expect(errorOf(() => resolve(noAccount))).toMatch(/targets\[0\]\.account in .* is required for targets\[0\] \(vdc\)/);
  });

  it('takes a SHA-256 pin for the dcmgr certificate, from VMM_TLS_FINGERPRINT or a target entry, and refuses a malformed one', () => {
    const pin = 'ab'.repeat(32);
    const single = resolve({ VMM_TYPE: 'wakame', VMM_URL: 'https://dcmgr.example:8443', VMM_WAKAME_ACCOUNT: 'a-shpoolxx', VMM_TLS_FINGERPRINT: pin });
    expect((single.targets[0]?.connection as WakameConnection).tls).toEqual({ fingerprint: pin });
    const file = resolve(configFile([{ name: 'vdc', type: 'wakame', url: 'https://dcmgr.example:8443', account: 'a-tenant01', tls_fingerprint: pin }]));
    expect((file.targets[0]?.connection as WakameConnection).tls).toEqual({ fingerprint: pin });
    const short = configFile([{ name: 'vdc', type: 'wakame', url: 'https://dcmgr.example:8443', account: 'a-tenant01', tls_fingerprint: 'ab:cd' }]);
    expect(errorOf(() => resolve(short))).toMatch(/tls_fingerprint.*must be a SHA-256 fingerprint/);
  });
});
