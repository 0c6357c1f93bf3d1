import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/command-line.js';
import { ConfigError, loadSettings, SETTINGS_TABLE, SettingsSchema, type RawLayer } from '../src/config.js';
import type { DsmConnection } from '../src/providers/synology/provider.js';
import { resolveTargets, type TargetConfig } from '../src/targets.js';

const folder = mkdtempSync(join(tmpdir(), 'vmm-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, content: string, mode = 0o600): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

function load(env: Record<string, string> = {}, flags: RawLayer = {}) {
  return loadSettings({ env, flags, cwd: folder });
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

const REAL = { VMM_URL: 'https://nas.local:5001', VMM_USERNAME: 'ops', VMM_PASSWORD: 'correct horse' };

describe('layering: defaults < config file < environment < flags', () => {
  it('uses the documented defaults when nothing is set', () => {
    const { settings } = load();
    expect(settings).toMatchObject({ timeout_ms: 30_000, log_level: 'info', destructive: 'confirm', read_only: false, insecure_tls: false, protect: [] });
  });

  it('lets the config file override defaults, the environment override the file, and flags override both', () => {
    const config = file('layers.json', JSON.stringify({ timeout_ms: 1000, log_level: 'debug', destructive: 'deny', protect: ['db-*'] }));
    const fromFile = load({ VMM_CONFIG: config }).settings;
    expect(fromFile).toMatchObject({ timeout_ms: 1000, log_level: 'debug', destructive: 'deny', protect: ['db-*'] });

    const fromEnv = load({ VMM_CONFIG: config, VMM_TIMEOUT_MS: '2000', VMM_PROTECT: 'web-*, prod-?' }).settings;
    expect(fromEnv).toMatchObject({ timeout_ms: 2000, log_level: 'debug', protect: ['web-*', 'prod-?'] });

    const fromFlags = load({ VMM_CONFIG: config, VMM_TIMEOUT_MS: '2000' }, { timeout_ms: '3000', destructive: 'allow' }).settings;
    expect(fromFlags).toMatchObject({ timeout_ms: 3000, destructive: 'allow', log_level: 'debug' });
  });

  it('treats an empty environment variable as unset, as MCP client configs often carry "VMM_X": ""', () => {
    const { settings } = load({ VMM_TIMEOUT_MS: '', VMM_URL: '' });
    expect(settings.timeout_ms).toBe(30_000);
    expect(settings.url).toBeUndefined();
  });

  it('accepts 1/0/true/false/yes/no for booleans, in any case', () => {
    for (const [word, value] of [['1', true], ['0', false], ['TRUE', true], ['false', false], ['Yes', true], ['no', false]] as const) {
      expect(load({ VMM_READ_ONLY: word }).settings.read_only).toBe(value);
    }
    expect(load({}, { read_only: true }).settings.read_only).toBe(true);
  });

  it('resolves relative paths in the config file against its folder, and others against the working directory', () => {
    const config = file('paths.json', JSON.stringify({ audit_log: 'audit.jsonl' }));
    expect(load({ VMM_CONFIG: config }).settings.audit_log).toBe(join(folder, 'audit.jsonl'));
    expect(loadSettings({ env: { VMM_AUDIT_LOG: 'a.jsonl' }, flags: {}, cwd: '/srv' }).settings.audit_log).toBe('/srv/a.jsonl');
  });

  it('names the layer a bad value came from', () => {
    const config = file('bad-timeout.json', JSON.stringify({ timeout_ms: 'soon' }));
    expect(errorOf(() => load({ VMM_CONFIG: config }))).toBe(`timeout_ms in ${config} must be a whole number of milliseconds from 100 to 600000 (got "soon")`);
    expect(errorOf(() => load({ VMM_TIMEOUT_MS: '-5' }))).toMatch(/^VMM_TIMEOUT_MS must be a whole number/);
    expect(errorOf(() => load({}, { timeout_ms: '1e9' }))).toMatch(/^--timeout-ms must be a whole number/);
    expect(errorOf(() => load({ VMM_HTTP_PORT: '65536' }))).toBe('VMM_HTTP_PORT must be a port number from 0 to 65535 (got "65536")');
  });

  it('names the flags of `vmm-mcp simulator` as that command spells them', () => {
    const simulator = (flags: RawLayer) => loadSettings({ env: {}, flags, command: 'simulator', cwd: folder });
    expect(errorOf(() => simulator({ sim_dsm: '5' }))).toBe('--dsm must be one of 7, 6 (got "5")');
    expect(errorOf(() => simulator({ sim_style: 'fancy' }))).toBe('--style must be one of official, internal, compact (got "fancy")');
    expect(errorOf(() => simulator({ sim_port: '-1' }))).toBe('--port must be a port number from 0 to 65535 (got "-1")');
    expect(errorOf(() => simulator({ sim_vms: 'many' }))).toMatch(/^--vms must be a whole number of VMs/);
    expect(errorOf(() => simulator({ log_level: 'loud' }))).toMatch(/^--log-level must be one of/);
    expect(errorOf(() => load({}, { sim_dsm: '5' }))).toBe('--sim-dsm must be one of 7, 6 (got "5")');
  });
});

describe('validation: one message naming the setting and what is wrong', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['a URL without scheme', { VMM_URL: 'nas.local:5001' }, /^VMM_URL must start with https:\/\/ or http:\/\//],
    ['a URL that is not one', { VMM_URL: 'not a url' }, /^VMM_URL must be a full address such as https:\/\/nas.local:5001/],
    ['credentials in the URL', { VMM_URL: 'https://admin:pw@nas.local:5001' }, /^VMM_URL must not contain a user name or password/],
    ['a boolean word', { VMM_INSECURE_TLS: 'maybe' }, /^VMM_INSECURE_TLS must be one of 1, 0, true, false, yes, no \(got "maybe"\)/],
    ['a destructive mode', { VMM_DESTRUCTIVE: 'sometimes' }, /^VMM_DESTRUCTIVE must be one of confirm, deny, allow/],
    ['a log level', { VMM_LOG_LEVEL: 'verbose' }, /^VMM_LOG_LEVEL must be one of debug, info, warning, error/],
    ['a fingerprint', { VMM_TLS_FINGERPRINT: 'AB:CD' }, /^VMM_TLS_FINGERPRINT must be a SHA-256 fingerprint/],
  ];
  for (const [what, env, message] of cases) {
    it(`rejects ${what}`, () => {
      expect(errorOf(() => load(env))).toMatch(message);
    });
  }

  it('never echoes a secret value it rejects', () => {
    const config = file('secret-type.json', JSON.stringify({ password: 12345678 }));
    const message = errorOf(() => load({ VMM_CONFIG: config }));
    expect(message).toBe(`password in ${config} must be a string`);
  });

  it('rejects an unknown key in the config file and lists the known ones', () => {
    const config = file('typo.json', JSON.stringify({ reed_only: true }));
    expect(errorOf(() => load({ VMM_CONFIG: config }))).toMatch(new RegExp(`^${config}: unknown setting "reed_only" \\(known: type, url, username, `));
  });

  it('explains a missing, unreadable or malformed config file', () => {
    expect(errorOf(() => load({ VMM_CONFIG: join(folder, 'missing.json') }))).toMatch(/^VMM_CONFIG: cannot read .*missing\.json \(ENOENT\)$/);
    expect(errorOf(() => load({}, { config: file('broken.json', '{"url": ') }))).toMatch(/^--config: .*broken\.json is not valid JSON/);
    expect(errorOf(() => load({ VMM_CONFIG: file('array.json', '[]') }))).toMatch(/must hold a JSON object of settings/);
  });
});

describe('the single target "default" from VMM_* settings', () => {
  it('needs VMM_URL and says how to get a demo without one', () => {
    expect(errorOf(() => resolveTargets(load(), {}))).toBe(
      'VMM_URL is required (the DSM address, e.g. https://nas.local:5001), or use --simulator for a demo',
    );
  });

  it('needs a user name and a password, from VMM_PASSWORD or VMM_PASSWORD_FILE but not both', () => {
    expect(errorOf(() => resolveTargets(load({ VMM_URL: REAL.VMM_URL }), {}))).toMatch(/^VMM_USERNAME is required/);
    expect(errorOf(() => resolveTargets(load({ VMM_URL: REAL.VMM_URL, VMM_USERNAME: 'ops' }), {}))).toBe(
      'VMM_PASSWORD or VMM_PASSWORD_FILE is required (the password of DSM account ops)',
    );
    const passwordFile = file('password', 'from-file\n');
    expect(errorOf(() => resolveTargets(load({ ...REAL, VMM_PASSWORD_FILE: passwordFile }), {}))).toBe(
      'VMM_PASSWORD and VMM_PASSWORD_FILE are both set; keep one',
    );
  });

  it('reads the password and TOTP secret from files, without the trailing newline', () => {
    const { targets, warnings } = resolveTargets(
      load({ VMM_URL: REAL.VMM_URL, VMM_USERNAME: 'ops', VMM_PASSWORD_FILE: file('pw', 's3cret pass\n'), VMM_OTP_SECRET_FILE: file('otp', 'JBSWY3DPEHPK3PXP\n') }),
      {},
    );
    expect(targets).toHaveLength(1);
    expect(targets[0]?.name).toBe('default');
    expect(targets[0]?.connection).toMatchObject({ password: 's3cret pass', otpSecret: 'JBSWY3DPEHPK3PXP', timeoutMs: 30_000 });
    expect(warnings).toEqual([]);
  });

  it('refuses a TOTP secret that is not base32 before anything starts, naming where it came from and never echoing it', () => {
    const base = { VMM_URL: REAL.VMM_URL, VMM_USERNAME: 'ops', VMM_PASSWORD: 'pw-1234567' };
    expect(errorOf(() => resolveTargets(load({ ...base, VMM_OTP_SECRET: 'NOT-BASE32!' }), {}))).toBe(
      'VMM_OTP_SECRET is not valid base32 (letters A-Z and digits 2-7); use the secret key DSM showed when 2-step verification was enabled',
    );
    const otpFile = file('bad-otp', 'JBSWY3DP 0189\n');
    const fromFile = errorOf(() => resolveTargets(load({ ...base, VMM_OTP_SECRET_FILE: otpFile }), {}));
    expect(fromFile).toBe(`the secret in ${otpFile} (VMM_OTP_SECRET_FILE) is not valid base32 (letters A-Z and digits 2-7); use the secret key DSM showed when 2-step verification was enabled`);
    expect(fromFile).not.toContain('JBSWY3DP');
    expect(errorOf(() => resolveTargets(load({ ...base, VMM_OTP_SECRET: '====' }), {}))).toMatch(/^VMM_OTP_SECRET is empty;/);
  });

  it('warns when a password file can be read by other users', () => {
    const { warnings } = resolveTargets(load({ ...REAL, VMM_PASSWORD: '', VMM_PASSWORD_FILE: file('pw-open', 'x1234567', 0o644) }), {});
    expect(warnings.join('\n')).toMatch(/VMM_PASSWORD_FILE: .*pw-open can be read by other users; run chmod 600/);
  });

  it('explains a missing or empty password file', () => {
    expect(errorOf(() => resolveTargets(load({ ...REAL, VMM_PASSWORD: '', VMM_PASSWORD_FILE: join(folder, 'nope') }), {}))).toMatch(
      /^VMM_PASSWORD_FILE: cannot read .*nope \(ENOENT\)$/,
    );
    expect(errorOf(() => resolveTargets(load({ ...REAL, VMM_PASSWORD: '', VMM_PASSWORD_FILE: file('empty', '\n') }), {}))).toMatch(
      /^VMM_PASSWORD_FILE: .*empty is empty$/,
    );
  });

  it('loads a CA file, pins a fingerprint, and refuses a CA file that is not PEM', () => {
    const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const fingerprint = 'ab'.repeat(32);
    const [target] = resolveTargets(load({ ...REAL, VMM_CA_FILE: ca, VMM_TLS_FINGERPRINT: fingerprint }), {}).targets;
    expect(dsm(target).tls).toEqual({ ca: expect.stringContaining('BEGIN CERTIFICATE'), fingerprint });
    expect(errorOf(() => resolveTargets(load({ ...REAL, VMM_CA_FILE: file('not.pem', 'hello') }), {}))).toMatch(/^VMM_CA_FILE: .*not\.pem is not a PEM certificate/);
  });

  it('carries the safety settings into the policy', () => {
    const [target] = resolveTargets(load({ ...REAL, VMM_READ_ONLY: 'yes', VMM_DESTRUCTIVE: 'deny', VMM_PROTECT: 'prod-*,db-01' }), {}).targets;
    expect(target?.policy).toEqual({ readOnly: true, destructive: 'deny', protect: ['prod-*', 'db-01'] });
  });

  it('refuses an audit log in a folder that does not exist', () => {
    expect(errorOf(() => resolveTargets(load({ ...REAL, VMM_AUDIT_LOG: '/no/such/folder/audit.jsonl' }), {}))).toMatch(
      /^VMM_AUDIT_LOG: the folder \/no\/such\/folder of \/no\/such\/folder\/audit\.jsonl does not exist/,
    );
  });

  it('warns that plain http to another machine sends the password unencrypted', () => {
    const { warnings } = resolveTargets(load({ ...REAL, VMM_URL: 'http://nas.local:5000' }), {});
    expect(warnings.join('\n')).toMatch(/plain http .* unencrypted/);
    expect(resolveTargets(load({ ...REAL, VMM_URL: 'http://127.0.0.1:5000' }), {}).warnings).toEqual([]);
  });
});

describe('several targets in the config file', () => {
  const twoTargets = (extra: Record<string, unknown> = {}) =>
    file(
      'targets.json',
      JSON.stringify({
        read_only: false,
        protect: ['db-*'],
        targets: [
          { name: 'nas1', url: 'https://nas1.local:5001', username: 'ops', password_env: 'NAS1_PASSWORD', read_only: true, ...extra },
          { name: 'nas2', url: 'https://nas2.local:5001', username: 'ops', password_file: 'nas2.pw', protect: ['web-*'], destructive: 'allow' },
        ],
      }),
    );

  it('builds one target per entry, credentials from the environment or files, safety combined toward safe', () => {
    file('nas2.pw', 'nas2-password\n');
    const { targets, warnings } = resolveTargets(load({ VMM_CONFIG: twoTargets() }), { NAS1_PASSWORD: 'nas1-password' });
    expect(targets.map((target) => target.name)).toEqual(['nas1', 'nas2']);
    expect(targets[0]?.connection).toMatchObject({ url: 'https://nas1.local:5001', password: 'nas1-password', timeoutMs: 30_000 });
    expect(dsm(targets[1]).password).toBe('nas2-password');
    expect(targets[0]?.policy).toEqual({ readOnly: true, destructive: 'confirm', protect: ['db-*'] });
    expect(targets[1]?.policy).toEqual({ readOnly: false, destructive: 'allow', protect: ['db-*', 'web-*'] });
    expect(warnings).toEqual([]);
  });

  it('makes every target read-only when VMM_READ_ONLY is set, whatever the file says', () => {
    file('nas2.pw', 'nas2-password\n');
    const { targets } = resolveTargets(load({ VMM_CONFIG: twoTargets(), VMM_READ_ONLY: '1' }), { NAS1_PASSWORD: 'x1234567' });
    expect(targets.every((target) => target.policy.readOnly)).toBe(true);
  });

  it('refuses a target whose TOTP secret is not base32, naming the entry', () => {
    const config = twoTargets({ otp_secret_env: 'NAS1_OTP' });
    expect(errorOf(() => resolveTargets(load({ VMM_CONFIG: config }), { NAS1_PASSWORD: 'x1234567', NAS1_OTP: 'one-two-1' }))).toBe(
      `targets[0].otp_secret_env in ${config} is not valid base32 (letters A-Z and digits 2-7); use the secret key DSM showed when 2-step verification was enabled`,
    );
  });

  it('says which environment variable a target names but is missing', () => {
    const config = twoTargets();
    expect(errorOf(() => resolveTargets(load({ VMM_CONFIG: config }), {}))).toBe(
      `targets[0].password_env in ${config} names the environment variable NAS1_PASSWORD, which is not set`,
    );
  });

  it('allows a literal password in the file but warns about it', () => {
    file('nas2.pw', 'nas2-password\n');
    const config = twoTargets({ password_env: undefined, password: 'literal-pass' });
    const { targets, warnings } = resolveTargets(load({ VMM_CONFIG: config }), {});
    expect(dsm(targets[0]).password).toBe('literal-pass');
    expect(warnings).toEqual([`targets[0].password in ${config} is a secret written in a config file; prefer the *_env or *_file form (or the environment) and keep the file private`]);
    expect(warnings.join()).not.toContain('literal-pass');
  });

  it('points at the entry and key that are wrong', () => {
    const config = file('bad-target.json', JSON.stringify({ targets: [{ name: 'nas 1', url: 'https://nas1', username: 'ops' }] }));
    expect(errorOf(() => load({ VMM_CONFIG: config }))).toBe(`targets[0].name in ${config} must be letters, digits, "-", "_" or "." (got "nas 1")`);
    const missing = file('no-url.json', JSON.stringify({ targets: [{ name: 'nas1', username: 'ops' }] }));
    expect(errorOf(() => load({ VMM_CONFIG: missing }))).toBe(`targets[0].url in ${missing} is required`);
    const twice = file('twice.json', JSON.stringify({ targets: [{ name: 'a', url: 'https://a', username: 'u' }, { name: 'A', url: 'https://b', username: 'u' }] }));
    expect(errorOf(() => load({ VMM_CONFIG: twice }))).toBe(`targets[1].name in ${twice} repeats the target name "A"`);
    const unknown = file('unknown-key.json', JSON.stringify({ targets: [{ name: 'a', url: 'https://a', username: 'u', pasword_env: 'X' }] }));
    expect(errorOf(() => load({ VMM_CONFIG: unknown }))).toMatch(new RegExp(`^targets\\[0\\] in ${unknown}: unknown setting "pasword_env"`));
  });

  it('warns that VMM_URL and friends are ignored when the file declares targets', () => {
    file('nas2.pw', 'nas2-password\n');
    const { warnings } = resolveTargets(load({ VMM_CONFIG: twoTargets(), VMM_URL: 'https://other:5001' }), { NAS1_PASSWORD: 'x1234567' });
    expect(warnings.join('\n')).toMatch(/^VMM_URL ignored: .* declares targets/);
  });
});

describe('the command line', () => {
  it('picks the mode', () => {
    expect(parseCommandLine([])).toEqual({ kind: 'serve', simulator: false, flags: {} });
    expect(parseCommandLine(['--simulator', '--sim-vms', '3'])).toEqual({ kind: 'serve', simulator: true, flags: { sim_vms: '3' } });
    expect(parseCommandLine(['simulator', '--port', '0', '--style=compact', '--dsm', '6'])).toEqual({
      kind: 'simulator',
      flags: { sim_port: '0', sim_style: 'compact', sim_dsm: '6' },
    });
    expect(parseCommandLine(['--url', 'https://x', '--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
  });

  it('takes switches bare or with a value, and other flags with a value', () => {
    expect(parseCommandLine(['--read-only', '--insecure-tls=no', '--url=https://nas:5001', '--protect', 'a,b'])).toEqual({
      kind: 'serve',
      simulator: false,
      flags: { read_only: true, insecure_tls: 'no', url: 'https://nas:5001', protect: 'a,b' },
    });
  });

  it('takes a yes/no word after a switch as its value, and says how to write a switch otherwise', () => {
    for (const word of ['false', 'FALSE', 'no', '0', 'true', 'yes', '1']) {
      expect(parseCommandLine(['--read-only', word, '--simulator'])).toEqual({ kind: 'serve', simulator: true, flags: { read_only: word } });
    }
    expect(load({}, { read_only: 'false' }).settings.read_only).toBe(false);
    const { flags } = parseCommandLine(['--http', '--port', '0', '--allow-remote', 'no']) as { flags: RawLayer };
    expect(flags).toEqual({ http: true, http_port: '0', http_allow_remote: 'no' });
    expect(load({}, flags).settings).toMatchObject({ http: true, http_port: 0, http_allow_remote: false });
    expect(errorOf(() => parseCommandLine(['--read-only', 'maybe']))).toBe(
      '--read-only is a switch: write --read-only alone, or --read-only true|false (also yes/no, 1/0), not --read-only "maybe"',
    );
    expect(errorOf(() => parseCommandLine(['--simulator', 'no']))).toBe(
      '--simulator takes no value: write --simulator alone for the demo, or leave it out (got --simulator "no")',
    );
  });

  it('rejects unknown flags, missing values, a password flag and simulator options without --simulator', () => {
    expect(errorOf(() => parseCommandLine(['--verbose']))).toBe('unknown option --verbose; see vmm-mcp --help');
    expect(errorOf(() => parseCommandLine(['serve']))).toBe('unexpected argument "serve"; see vmm-mcp --help');
    expect(errorOf(() => parseCommandLine(['--url']))).toBe('--url needs a value (URL)');
    expect(errorOf(() => parseCommandLine(['--password', 'x']))).toMatch(/^--password is not a flag: .* set VMM_PASSWORD or VMM_PASSWORD_FILE$/);
    expect(errorOf(() => parseCommandLine(['--sim-vms', '3']))).toBe('--sim-vms only applies together with --simulator');
    expect(errorOf(() => parseCommandLine(['simulator', '--url', 'https://x']))).toBe('unknown option --url; see vmm-mcp --help');
  });
});

describe('the settings table', () => {
  it('has one row per schema key, and every environment variable and flag is unique', () => {
    expect(SETTINGS_TABLE.map((row) => row.key)).toEqual(Object.keys(SettingsSchema.shape));
    const envs = SETTINGS_TABLE.flatMap((row) => (row.env === undefined ? [] : [row.env]));
    const flags = SETTINGS_TABLE.flatMap((row) => (row.flag === undefined ? [] : [row.flag]));
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(flags).size).toBe(flags.length);
    expect(envs.every((env) => env.startsWith('VMM_'))).toBe(true);
  });

  it('offers no flag for any secret', () => {
    for (const key of ['password', 'otp_secret', 'device_id'] as const) {
      const row = SETTINGS_TABLE.find((candidate) => candidate.key === key);
      expect(row?.secret).toBe(true);
      expect(row?.env).toMatch(/^VMM_/);
      expect(row?.flag).toBeUndefined();
    }
  });
});

/** A Synology target's connection settings (the provider's own shape). */
function dsm(target: TargetConfig | undefined): DsmConnection {
  expect(target?.type).toBe('synology');
  return target?.connection as DsmConnection;
}
