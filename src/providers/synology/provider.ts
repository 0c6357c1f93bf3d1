import { ConfigError } from '../../config-error.js';
import type { LoadedSettings } from '../../config.js';
import { isLoopback, fromEnv, oneSecret, type SecretSource } from '../../secret-sources.js';
import { boolean, dsmUrl, fingerprint, secretText, text } from '../../setting-fields.js';
import type { ProviderDefinition, TargetSetup } from '../provider.js';
import { tlsSettingsOf } from '../tls-settings.js';
import { createDsmBackend } from './backend.js';
import { DsmClient, type DsmClientOptions } from './dsm/client.js';
import { otpSecretProblem } from './dsm/totp.js';

/** How to reach one DSM: address, account, secrets, TLS trust and the request timeout. */
export type DsmConnection = Omit<DsmClientOptions, 'logger' | 'sessionName' | 'readRetries'>;

export const synology: ProviderDefinition<DsmConnection> = {
  type: 'synology',
  title: 'Synology VMM',
  settingKeys: ['url', 'username', 'password', 'password_file', 'otp_secret', 'otp_secret_file', 'device_id', 'ca_file', 'tls_fingerprint'],
  targetFields: {
    url: dsmUrl(),
    username: text(),
    password: secretText().optional(),
    password_env: text().optional(),
    password_file: text().optional(),
    otp_secret: secretText().optional(),
    otp_secret_env: text().optional(),
    otp_secret_file: text().optional(),
    device_id: secretText().optional(),
    device_id_env: text().optional(),
    ca_file: text().optional(),
    tls_fingerprint: fingerprint().optional(),
    insecure_tls: boolean().optional(),
  },
  fromSettings: connectionFromSettings,
  fromTarget: (entry, setup) => connectionFromTarget(entry as unknown as DsmTargetEntry, setup),
  secretsOf: (connection) => [connection.password, connection.otpSecret, connection.deviceId],
  connect(connection, logger) {
    const client = new DsmClient({ ...connection, logger });
    return { backend: createDsmBackend(client, logger), sessionLive: () => client.sessionLive };
  },
  simulator: {
    async start({ host, port, loaded, logger }) {
      const { DEMO_USER, describeSimulator, startSimulator } = await import('./simulator/index.js');
      const { settings } = loaded;
      const simulator = await startSimulator({
        style: settings.sim_style,
        dsmVersion: settings.sim_dsm === '6' ? 6 : 7,
        ...(settings.sim_vms === undefined ? {} : { inventory: { vms: settings.sim_vms } }),
        ...(settings.sim_task_ms === undefined ? {} : { taskDurationMs: settings.sim_task_ms }),
        ...(settings.sim_power_ms === undefined ? {} : { powerSettleMs: settings.sim_power_ms }),
        host,
        port,
        users: [DEMO_USER],
        logger,
      });
      return {
        url: simulator.url,
        describe: () => describeSimulator(simulator),
        demoConnection: (timeoutMs) => ({ url: simulator.url, username: DEMO_USER.account, password: DEMO_USER.password, timeoutMs, tls: {} }),
        summary: () => {
          const { stats } = simulator;
          return `simulated DSM answered ${stats.requests.length} requests; logins ${stats.logins}, logouts ${stats.logouts}, sessions still open ${simulator.liveSessions}`;
        },
        close: () => simulator.close(),
      };
    },
  },
};

interface DsmTargetEntry {
  url: string;
  username: string;
  password?: string;
  password_env?: string;
  password_file?: string;
  otp_secret?: string;
  otp_secret_env?: string;
  otp_secret_file?: string;
  device_id?: string;
  device_id_env?: string;
  ca_file?: string;
  tls_fingerprint?: string;
  insecure_tls?: boolean;
}

function connectionFromSettings(loaded: LoadedSettings, setup: TargetSetup): DsmConnection {
  const { settings } = loaded;
  if (settings.url === undefined) {
    throw new ConfigError('VMM_URL is required (the DSM address, e.g. https://nas.local:5001), or use --simulator for a demo');
  }
  if (settings.username === undefined) throw new ConfigError('VMM_USERNAME is required (the DSM account to sign in with)');
  const warn = setup.warn;
  const password = oneSecret(
    [
      { label: setup.label('password'), value: settings.password, literalIn: setup.literalIn('password') },
      { label: setup.label('password_file'), file: settings.password_file },
    ],
    warn,
  );
  if (password === undefined) {
    throw new ConfigError(`VMM_PASSWORD or VMM_PASSWORD_FILE is required (the password of DSM account ${settings.username})`);
  }
  requireMaskable(password, `The password of DSM account ${settings.username} (VMM_PASSWORD or VMM_PASSWORD_FILE)`);
  const otpSecret = oneOtpSecret(
    [
      { label: setup.label('otp_secret'), value: settings.otp_secret, literalIn: setup.literalIn('otp_secret') },
      { label: setup.label('otp_secret_file'), file: settings.otp_secret_file },
    ],
    warn,
  );
  const deviceId = oneSecret([{ label: setup.label('device_id'), value: settings.device_id, literalIn: setup.literalIn('device_id') }], warn);
  const connection: DsmConnection = {
    url: settings.url,
    username: settings.username,
    password,
    ...(otpSecret === undefined ? {} : { otpSecret }),
    ...(deviceId === undefined ? {} : { deviceId }),
    timeoutMs: setup.timeoutMs,
    tls: tlsSettingsOf(settings, setup.label('ca_file')),
  };
  warnIfPlainHttp(setup, connection);
  return connection;
}

function connectionFromTarget(entry: DsmTargetEntry, setup: TargetSetup): DsmConnection {
  const at = setup.label;
  const file = setup.literalIn('password');
  const password = oneSecret(
    [
      { label: at('password'), value: entry.password, literalIn: file },
      { label: at('password_env'), value: fromEnv(entry.password_env, at('password_env'), setup.env) },
      { label: at('password_file'), file: entry.password_file },
    ],
    setup.warn,
  );
  if (password === undefined) throw new ConfigError(`${setup.where} needs password_env or password_file (or password)`);
  requireMaskable(password, `The password of ${setup.where}`);
  const otpSecret = oneOtpSecret(
    [
      { label: at('otp_secret'), value: entry.otp_secret, literalIn: file },
      { label: at('otp_secret_env'), value: fromEnv(entry.otp_secret_env, at('otp_secret_env'), setup.env) },
      { label: at('otp_secret_file'), file: entry.otp_secret_file },
    ],
    setup.warn,
  );
  const deviceId = oneSecret(
    [
      { label: at('device_id'), value: entry.device_id, literalIn: file },
      { label: at('device_id_env'), value: fromEnv(entry.device_id_env, at('device_id_env'), setup.env) },
    ],
    setup.warn,
  );
  const connection: DsmConnection = {
    url: entry.url,
    username: entry.username,
    password,
    ...(otpSecret === undefined ? {} : { otpSecret }),
    ...(deviceId === undefined ? {} : { deviceId }),
    timeoutMs: setup.timeoutMs,
    tls: tlsSettingsOf(entry, at('ca_file')),
  };
  warnIfPlainHttp(setup, connection);
  return connection;
}

/** Shorter passwords cannot be masked in output without garbling it (every "abc" would go). */
const MIN_PASSWORD_LENGTH = 4;

function requireMaskable(password: string, what: string): void {
  if (password.length >= MIN_PASSWORD_LENGTH) return;
  throw new ConfigError(`${what} has ${password.length} character(s); vmm-mcp needs at least ${MIN_PASSWORD_LENGTH} to keep it out of everything it prints. Give the account a longer password.`);
}

/** A TOTP secret that cannot be decoded is a setting to fix now, not a login that fails later. */
function oneOtpSecret(sources: SecretSource[], warn: (message: string) => void): string | undefined {
  const secret = oneSecret(sources, warn);
  const problem = secret === undefined ? undefined : otpSecretProblem(secret);
  if (problem === undefined) return secret;
  const given = sources.find((source) => source.value !== undefined || source.file !== undefined);
  const what = given?.file === undefined ? given?.label : `the secret in ${given.file} (${given.label})`;
  throw new ConfigError(`${what ?? 'the OTP secret'} ${problem}; use the secret key DSM showed when 2-step verification was enabled`);
}

function warnIfPlainHttp(setup: TargetSetup, connection: DsmConnection): void {
  if (new URL(connection.url).protocol === 'http:' && !isLoopback(connection.url)) {
    setup.warn(`target ${setup.name} uses plain http (${connection.url}): the DSM password crosses the network unencrypted; use the https port (usually 5001)`);
  }
}
