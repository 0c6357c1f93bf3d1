import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS } from './log.js';
import { PROVIDERS, PROVIDER_TYPES } from './providers/index.js';
import { boolean, choice, commaList, dsmUrl, field, fingerprint, asText, globList, integer, port, Problem, secretText, shown, text } from './setting-fields.js';
import { jsonSyntaxErrorAt } from './text/json-syntax.js';

export { isBooleanWord } from './setting-fields.js';

/**
 * Every setting, once: its type, its environment variable, its flag, its default and what it is for.
 * Values come in four layers, later ones winning: defaults < config file (JSON) < environment < flags.
 * The README's settings table and `--help` are generated from (or checked against) this schema.
 */

import { ConfigError } from './config-error.js';

export { ConfigError };

export interface SettingDoc {
  /** Environment variable, if the setting can come from the environment. */
  env?: string;
  /** Command-line flag, if any. Secrets have none: a command line is visible to every user in `ps`. */
  flag?: string;
  /** The flag in the `vmm-mcp simulator` command, for simulator options. */
  simulatorFlag?: string;
  /** Placeholder for the flag's value in `--help`; a flag without one is a switch (`--read-only`). */
  value?: string;
  default?: string | number | boolean;
  description: string;
  /** A path: relative paths in the config file are relative to the file's folder. */
  path?: boolean;
  /** Never echoed in an error message. */
  secret?: boolean;
}

export const settingDocs = z.registry<SettingDoc>();

const DESTRUCTIVE_MODES = ['confirm', 'deny', 'allow'] as const;
const SIMULATOR_STYLES = ['official', 'internal', 'compact'] as const;

/** What every target in a config file has, whichever its provider: its name and its safety settings. */
const COMMON_TARGET_FIELDS = {
  name: field((value) => {
    const raw = asText(value);
    if (raw instanceof Problem) return raw;
    return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(raw)
      ? raw
      : new Problem(`must be letters, digits, "-", "_" or "." (got ${shown(raw)})`);
  }),
  read_only: boolean().optional(),
  destructive: choice(DESTRUCTIVE_MODES).optional(),
  protect: globList().optional(),
  timeout_ms: integer(100, 600_000, 'milliseconds').optional(),
};

/** One entry per provider: the common fields, `type`, and the provider's connection fields. */
const targetSchemaOf = (provider: (typeof PROVIDERS)[number]) =>
  z.object({ ...COMMON_TARGET_FIELDS, type: z.literal(provider.type), ...provider.targetFields }).strict();

const TARGET_SCHEMAS = PROVIDERS.map(targetSchemaOf);

/** The known keys of a target entry of `type`, for the "unknown setting" message. */
export function targetKeys(type: unknown): string[] {
  const schema = TARGET_SCHEMAS.find((candidate) => candidate.shape.type.value === (type ?? PROVIDER_TYPES[0]));
  return schema === undefined ? ['name', 'type'] : Object.keys(schema.shape);
}

/**
 * One system in a config file with several targets; `type` picks the provider (default the first, synology).
 * Credentials come from the environment or files first.
 */
export const TargetSchema = z.preprocess(
  (value) => (value !== null && typeof value === 'object' && !('type' in value) ? { ...value, type: PROVIDER_TYPES[0] } : value),
  z.discriminatedUnion('type', TARGET_SCHEMAS as [(typeof TARGET_SCHEMAS)[number], ...(typeof TARGET_SCHEMAS)[number][]]),
);

export type TargetEntry = z.infer<typeof TargetSchema>;

/** Keys of a target entry that hold paths (resolved against the config file's folder). */
export const TARGET_PATH_KEYS = ['password_file', 'otp_secret_file', 'ca_file', 'api_key_file'] as const;

export const SettingsSchema = z
  .object({
    config: text()
      .optional()
      .register(settingDocs, { env: 'VMM_CONFIG', flag: '--config', value: 'FILE', path: true, description: 'JSON config file with any of these settings (snake_case keys) and optionally `targets`' }),
    type: choice(PROVIDER_TYPES).register(settingDocs, {
      env: 'VMM_TYPE',
      flag: '--type',
      value: PROVIDER_TYPES.join('|'),
      default: PROVIDER_TYPES[0],
      description: 'which system the single target is (config files give each target its own `type`)',
    }),
    url: dsmUrl()
      .optional()
      .register(settingDocs, { env: 'VMM_URL', flag: '--url', value: 'URL', description: 'DSM address, e.g. https://nas.local:5001 (lunanode: the API base, default https://dynamic.lunanode.com; wakame: dcmgr, e.g. http://dcmgr.example:9001)' }),
    username: text()
      .optional()
      .register(settingDocs, { env: 'VMM_USERNAME', flag: '--username', value: 'NAME', description: 'DSM account (an administrator: VMM needs one)' }),
    password: secretText()
      .optional()
      .register(settingDocs, { env: 'VMM_PASSWORD', secret: true, description: 'DSM password; environment only, never a flag (flags show in `ps`)' }),
    password_file: text()
      .optional()
      .register(settingDocs, { env: 'VMM_PASSWORD_FILE', flag: '--password-file', value: 'FILE', path: true, description: 'file holding the DSM password (instead of VMM_PASSWORD)' }),
    otp_secret: secretText()
      .optional()
      .register(settingDocs, { env: 'VMM_OTP_SECRET', secret: true, description: 'base32 TOTP secret of the account, for 2-step verification without a human' }),
    otp_secret_file: text()
      .optional()
      .register(settingDocs, { env: 'VMM_OTP_SECRET_FILE', flag: '--otp-secret-file', value: 'FILE', path: true, description: 'file holding the TOTP secret (instead of VMM_OTP_SECRET)' }),
    device_id: secretText()
      .optional()
      .register(settingDocs, { env: 'VMM_DEVICE_ID', secret: true, description: 'DSM device token ("trust this device") that skips the OTP' }),
    api_id: text()
      .optional()
      .register(settingDocs, { env: 'VMM_API_ID', flag: '--api-id', value: 'ID', description: 'lunanode: the API ID of the key (16 characters)' }),
    api_key: secretText()
      .optional()
      .register(settingDocs, { env: 'VMM_API_KEY', secret: true, description: 'lunanode: the 128-character API key; environment or file only, never a flag' }),
    api_key_file: text()
      .optional()
      .register(settingDocs, { env: 'VMM_API_KEY_FILE', flag: '--api-key-file', value: 'FILE', path: true, description: 'lunanode: file holding the API key (instead of VMM_API_KEY)' }),
    region: choice(['toronto', 'montreal', 'roubaix'] as const)
      .optional()
      .register(settingDocs, { env: 'VMM_REGION', flag: '--region', value: 'REGION', description: 'lunanode: default region for new images (toronto, montreal, roubaix)' }),
    ca_file: text()
      .optional()
      .register(settingDocs, { env: 'VMM_CA_FILE', flag: '--ca-file', value: 'FILE', path: true, description: 'PEM file of a CA to trust for the DSM certificate (wakame: the certificate of dcmgr\'s TLS proxy)' }),
    tls_fingerprint: fingerprint()
      .optional()
      .register(settingDocs, { env: 'VMM_TLS_FINGERPRINT', flag: '--tls-fingerprint', value: 'SHA256', description: 'pin the DSM certificate by its SHA-256 fingerprint (wakame: that of dcmgr\'s TLS proxy)' }),
    insecure_tls: boolean().register(settingDocs, {
      env: 'VMM_INSECURE_TLS',
      flag: '--insecure-tls',
      default: false,
      description: 'do not verify the DSM certificate, or that of dcmgr\'s TLS proxy (last resort; warns on every start)',
    }),
    wakame_account: text()
      .optional()
      .register(settingDocs, {
        env: 'VMM_WAKAME_ACCOUNT',
        flag: '--wakame-account',
        value: 'ID',
        description: 'wakame: the Wakame-VDC account to act as (X-VDC-Account-UUID, e.g. a-shpoolxx); required unless wakame_admin',
      }),
    wakame_admin: boolean()
      .optional()
      .register(settingDocs, {
        env: 'VMM_WAKAME_ADMIN',
        flag: '--wakame-admin',
        description: 'wakame: send no account header, for dcmgr\'s unscoped administrator view of every account',
      }),
    wakame_hypervisor: text()
      .optional()
      .register(settingDocs, {
        env: 'VMM_WAKAME_HYPERVISOR',
        flag: '--wakame-hypervisor',
        value: 'NAME',
        description: 'wakame: hypervisor of new instances (e.g. kvm); without it the target creates no VMs',
      }),
    read_only: boolean().register(settingDocs, {
      env: 'VMM_READ_ONLY',
      flag: '--read-only',
      default: false,
      description: 'offer only tools that read; write and destructive tools are not listed',
    }),
    destructive: choice(DESTRUCTIVE_MODES).register(settingDocs, {
      env: 'VMM_DESTRUCTIVE',
      flag: '--destructive',
      value: 'confirm|deny|allow',
      default: 'confirm',
      description: 'destructive tools (power_off, delete_vm, delete_image): ask first, hide, or run directly',
    }),
    protect: globList().register(settingDocs, {
      env: 'VMM_PROTECT',
      flag: '--protect',
      value: 'GLOBS',
      default: '',
      description: 'comma-separated glob patterns of VM names that no tool may change',
    }),
    audit_log: text()
      .optional()
      .register(settingDocs, { env: 'VMM_AUDIT_LOG', flag: '--audit-log', value: 'FILE', path: true, description: 'append every write and destructive call to this JSONL file' }),
    timeout_ms: integer(100, 600_000, 'milliseconds').register(settingDocs, {
      env: 'VMM_TIMEOUT_MS',
      flag: '--timeout-ms',
      value: 'MS',
      default: 30_000,
      description: 'timeout of each DSM request',
    }),
    log_level: choice(LOG_LEVELS).register(settingDocs, {
      env: 'VMM_LOG_LEVEL',
      flag: '--log-level',
      value: 'LEVEL',
      default: 'info',
      description: 'stderr log level: debug, info, warning, error',
    }),
    dashboard: boolean().register(settingDocs, {
      env: 'VMM_DASHBOARD',
      flag: '--dashboard',
      default: true,
      description: 'offer show_dashboard, the interactive MCP App view of every target (false hides the tool and its view)',
    }),
    http: boolean().register(settingDocs, {
      env: 'VMM_HTTP',
      flag: '--http',
      default: false,
      description: 'serve MCP over Streamable HTTP at /mcp (bearer token required) instead of stdio',
    }),
    http_host: text().register(settingDocs, {
      env: 'VMM_HTTP_HOST',
      flag: '--host',
      value: 'HOST',
      default: '127.0.0.1',
      description: '--http: address to listen on; anything but loopback needs --allow-remote',
    }),
    http_port: port().register(settingDocs, {
      env: 'VMM_HTTP_PORT',
      flag: '--port',
      value: 'PORT',
      default: 3000,
      description: '--http: port to listen on (0 picks a free one)',
    }),
    http_allow_remote: boolean().register(settingDocs, {
      env: 'VMM_HTTP_ALLOW_REMOTE',
      flag: '--allow-remote',
      default: false,
      description: '--http: allow a non-loopback --host (put a TLS reverse proxy in front)',
    }),
    http_token: secretText()
      .optional()
      .register(settingDocs, { env: 'VMM_HTTP_TOKEN', secret: true, description: '--http: bearer token clients must send (16+ characters); when unset, one is generated and printed to stderr' }),
    http_allowed_hosts: commaList('Host header values', 'vmm.example.com,127.0.0.1:3000')
      .optional()
      .register(settingDocs, {
        env: 'VMM_HTTP_ALLOWED_HOSTS',
        flag: '--allowed-hosts',
        value: 'HOSTS',
        description: '--http: Host headers to accept (default: 127.0.0.1, localhost and [::1] at the port, and --host)',
      }),
    http_max_sessions: integer(1, 100_000, 'sessions').register(settingDocs, {
      env: 'VMM_HTTP_MAX_SESSIONS',
      flag: '--max-sessions',
      value: 'N',
      default: 200,
      description: '--http: most MCP sessions open at once; a client over it gets 503 until one closes or expires',
    }),
    http_session_idle_s: integer(10, 86_400, 'seconds').register(settingDocs, {
      env: 'VMM_HTTP_SESSION_IDLE_S',
      flag: '--session-idle-s',
      value: 'SECONDS',
      default: 600,
      description: '--http: a session with no request open for this long is closed',
    }),
    http_allowed_origins: commaList('origins', 'https://vmm.example.com')
      .optional()
      .register(settingDocs, {
        env: 'VMM_HTTP_ALLOWED_ORIGINS',
        flag: '--allowed-origins',
        value: 'ORIGINS',
        description: '--http: Origin headers to accept when a browser sends one (default: the allowed hosts over http and https)',
      }),
    targets: z
      .array(TargetSchema)
      .min(1)
      .superRefine((targets, ctx) => {
        const seen = new Set<string>();
        targets.forEach((target, index) => {
          const key = target.name.toLowerCase();
          if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `repeats the target name ${shown(target.name)}` });
          seen.add(key);
        });
      })
      .optional()
      .register(settingDocs, { description: 'config file only: several NAS targets, each with name, url, username and its own credentials' }),
    sim_provider: choice(PROVIDER_TYPES).register(settingDocs, {
      simulatorFlag: '--provider',
      value: PROVIDER_TYPES.join('|'),
      default: PROVIDER_TYPES[0],
      description: '`vmm-mcp simulator`: which system it simulates',
    }),
    sim_port: port().register(settingDocs, {
      simulatorFlag: '--port',
      value: 'PORT',
      default: 5000,
      description: '`vmm-mcp simulator`: port to listen on (0 picks a free one)',
    }),
    sim_host: text().register(settingDocs, {
      simulatorFlag: '--host',
      value: 'HOST',
      default: '127.0.0.1',
      description: '`vmm-mcp simulator`: address to listen on',
    }),
    sim_style: choice(SIMULATOR_STYLES).register(settingDocs, {
      flag: '--sim-style',
      simulatorFlag: '--style',
      value: 'official|internal|compact',
      default: 'official',
      description: 'simulator: which VMM guest API family it serves (official: the guide API, plus the internal one on DSM 7; internal: the DSM 7 internal dialect only; compact: the seed documents CamelCase style only)',
    }),
    sim_dsm: choice(['7', '6'] as const).register(settingDocs, {
      flag: '--sim-dsm',
      simulatorFlag: '--dsm',
      value: '6|7',
      default: '7',
      description: 'simulator: DSM major version (6 serves SYNO.API.Auth at auth.cgi, 7 at entry.cgi)',
    }),
    sim_vms: integer(0, 100_000, 'VMs')
      .optional()
      .register(settingDocs, { flag: '--sim-vms', simulatorFlag: '--vms', value: 'N', description: 'simulator: generate N VMs instead of the demo handful' }),
    sim_task_ms: integer(0, 600_000, 'milliseconds')
      .optional()
      .register(settingDocs, { flag: '--sim-task-ms', simulatorFlag: '--task-ms', value: 'MS', description: 'simulator: how long create tasks run (default 3000; LunaNode: VM builds and image imports)' }),
    sim_power_ms: integer(0, 600_000, 'milliseconds')
      .optional()
      .register(settingDocs, { flag: '--sim-power-ms', simulatorFlag: '--power-ms', value: 'MS', description: 'simulator: how long booting and shutting down take (default 1500; LunaNode too)' }),
  })
  .strict();

export type Settings = z.infer<typeof SettingsSchema>;
export type SettingKey = keyof typeof SettingsSchema.shape;

export interface SettingRow extends SettingDoc {
  key: SettingKey;
}

/** The settings table (README, `--help`): one row per key of the schema, in schema order. */
export const SETTINGS_TABLE: readonly SettingRow[] = (Object.keys(SettingsSchema.shape) as SettingKey[]).map((key) => {
  const doc = settingDocs.get(SettingsSchema.shape[key]);
  if (doc === undefined) throw new Error(`setting ${key} has no documentation`);
  return { key, ...doc };
});

/** Where a value came from, as the user would name it in an error line. */
type Provenance = Partial<Record<SettingKey, string>>;

export type RawLayer = Partial<Record<SettingKey, unknown>>;

export interface SettingsSources {
  /** Values from flags, by key (switches as `true`). */
  flags: RawLayer;
  /** The command the flags were given to: `vmm-mcp simulator` names its options `--dsm`, not `--sim-dsm`. */
  command?: 'serve' | 'simulator';
  env: NodeJS.ProcessEnv;
  /** Reads the config file (tests pass a fake). */
  readFile?: (path: string) => string;
  cwd?: string;
}

export interface LoadedSettings {
  settings: Settings;
  /** Label of each key's winning layer, for later messages (`VMM_PASSWORD_FILE`, `--ca-file`, `password_file in /etc/vmm.json`). */
  sourceOf: (key: SettingKey) => string;
  /** Path of the config file, if one was read. */
  configFile?: string;
}

const DEFAULTS: RawLayer = Object.fromEntries(
  SETTINGS_TABLE.filter((row) => row.default !== undefined).map((row) => [row.key, row.default]),
);

/** The one merge: defaults < config file < environment < flags. */
export function loadSettings(sources: SettingsSources): LoadedSettings {
  const cwd = sources.cwd ?? process.cwd();
  const flags = resolvePaths(sources.flags, cwd);
  const env = resolvePaths(envLayer(sources.env), cwd);
  const configPath = (flags.config ?? env.config) as string | undefined;
  const configLabel = flags.config !== undefined ? '--config' : 'VMM_CONFIG';
  const file = configPath === undefined ? {} : readConfigFile(configPath, configLabel, sources.readFile);

  const provenance: Provenance = {};
  const merged: RawLayer = {};
  const layers: Array<[RawLayer, (key: SettingKey) => string]> = [
    [DEFAULTS, (key) => `the default of ${key}`],
    [file, (key) => `${key} in ${configPath}`],
    [env, (key) => docOf(key).env ?? key],
    [flags, (key) => flagOf(key, sources.command ?? 'serve') ?? key],
  ];
  for (const [layer, label] of layers) {
    for (const [key, value] of Object.entries(layer) as Array<[SettingKey, unknown]>) {
      if (value === undefined) continue;
      merged[key] = value;
      provenance[key] = label(key);
    }
  }

  const parsed = SettingsSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describeIssue(parsed.error.issues[0], provenance, configPath, targetTypesOf(merged.targets)));
  const sourceOf = (key: SettingKey): string => provenance[key] ?? docOf(key).env ?? key;
  return configPath === undefined ? { settings: parsed.data, sourceOf } : { settings: parsed.data, sourceOf, configFile: configPath };
}

function flagOf(key: SettingKey, command: 'serve' | 'simulator'): string | undefined {
  const { flag, simulatorFlag } = docOf(key);
  return command === 'simulator' ? (simulatorFlag ?? flag) : (flag ?? simulatorFlag);
}

function docOf(key: SettingKey): SettingDoc {
  return SETTINGS_TABLE.find((row) => row.key === key) ?? { description: '' };
}

/** Environment values; an empty variable counts as unset (MCP client configs often carry `"VMM_X": ""`). */
function envLayer(env: NodeJS.ProcessEnv): RawLayer {
  const layer: RawLayer = {};
  for (const row of SETTINGS_TABLE) {
    const value = row.env === undefined ? undefined : env[row.env];
    if (value !== undefined && value !== '') layer[row.key] = value;
  }
  return layer;
}

function resolvePaths(layer: RawLayer, base: string): RawLayer {
  const out: RawLayer = { ...layer };
  for (const row of SETTINGS_TABLE) {
    const value = out[row.key];
    if (row.path === true && typeof value === 'string' && value.trim() !== '') out[row.key] = resolve(base, value.trim());
  }
  return out;
}

function readConfigFile(path: string, label: string, readFile = (p: string) => readFileSync(p, 'utf8')): RawLayer {
  let content: string;
  try {
    content = readFile(path);
  } catch (error) {
    throw new ConfigError(`${label}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // V8's message quotes the text around the fault, which may be a password: say only where it is.
    const at = jsonSyntaxErrorAt(content);
    const where = at === undefined ? '' : ` at line ${at.line}, column ${at.column}`;
    throw new ConfigError(`${label}: ${path} is not valid JSON${where}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${label}: ${path} must hold a JSON object of settings, such as {"url": "https://nas.local:5001"}`);
  }
  const layer = data as RawLayer & { targets?: unknown };
  if ('config' in layer) throw new ConfigError(`config in ${path}: a config file cannot name another config file`);
  const folder = dirname(path);
  const targets = Array.isArray(layer.targets) ? layer.targets.map((target: unknown) => resolveTargetPaths(target, folder)) : layer.targets;
  return { ...resolvePaths(layer, folder), ...(targets === undefined ? {} : { targets }) };
}

function resolveTargetPaths(target: unknown, folder: string): unknown {
  if (target === null || typeof target !== 'object') return target;
  const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const key of TARGET_PATH_KEYS) {
    const value = out[key];
    if (typeof value === 'string' && value.trim() !== '') out[key] = resolve(folder, value.trim());
  }
  return out;
}

/** The `type` each raw target entry asked for, so a message can list the keys of that type. */
function targetTypesOf(targets: unknown): unknown[] {
  if (!Array.isArray(targets)) return [];
  return targets.map((target: unknown) => (target !== null && typeof target === 'object' ? (target as { type?: unknown }).type : undefined));
}

function describeIssue(
  issue: z.core.$ZodIssue | undefined,
  provenance: Provenance,
  configPath: string | undefined,
  targetTypes: unknown[],
): string {
  if (issue === undefined) return 'the settings are invalid';
  const [key, index, targetKey] = issue.path;
  if (key === 'targets' && index !== undefined && issue.code === 'invalid_union' && (targetKey === undefined || targetKey === 'type')) {
    return `targets[${String(index)}].type in ${configPath} must be one of ${PROVIDER_TYPES.join(', ')} (got ${shown(targetTypes[Number(index)])})`;
  }
  if (issue.code === 'unrecognized_keys') {
    const where = key === 'targets' ? `targets[${String(index)}] in ${configPath}` : `${configPath}`;
    const known = key === 'targets' ? targetKeys(targetTypes[Number(index)]) : Object.keys(SettingsSchema.shape).filter((k) => k !== 'config');
    return `${where}: unknown setting ${issue.keys.map((k) => shown(k)).join(', ')} (known: ${known.join(', ')})`;
  }
  if (key === 'targets') {
    const where = index === undefined ? 'targets' : `targets[${String(index)}]${targetKey === undefined ? '' : `.${String(targetKey)}`}`;
    const message = issue.code === 'custom' ? issue.message : `is not valid: ${issue.message}`;
    return `${where} in ${configPath} ${message}`;
  }
  const label = typeof key === 'string' ? (provenance[key as SettingKey] ?? key) : 'a setting';
  return `${label} ${issue.code === 'custom' ? issue.message : `is not valid: ${issue.message}`}`;
}
