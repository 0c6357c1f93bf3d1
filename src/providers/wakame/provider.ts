import { ConfigError } from '../../config-error.js';
import type { LoadedSettings } from '../../config.js';
import type { TlsSettings } from '../../http/tls.js';
import { isLoopback } from '../../secret-sources.js';
import { boolean, dsmUrl, fingerprint, text } from '../../setting-fields.js';
import type { ProviderDefinition, TargetSetup } from '../provider.js';
import { tlsSettingsOf } from '../tls-settings.js';
import { WakameBackend } from './backend.js';
import { DcmgrClient } from './dcmgr/client.js';

/**
 * How to reach one dcmgr: its address, the account to act as (or the explicit admin view), the
 * hypervisor for new instances, TLS trust and the request timeout. dcmgr has no password: the account
 * id is an identifier it trusts from whoever can reach it, so a target holds no secret.
 */
export interface WakameConnection {
  url: string;
  account?: string;
  admin: boolean;
  hypervisor?: string;
  timeoutMs: number;
  tls: TlsSettings;
}

/** Stock account ids: a- and 8 lowercase letters or digits. */
const ACCOUNT_ID = /^a-[a-z0-9]{8}$/;

export const wakame: ProviderDefinition<WakameConnection> = {
  type: 'wakame',
  title: 'Wakame-VDC',
  settingKeys: ['url', 'wakame_account', 'wakame_admin', 'wakame_hypervisor', 'ca_file', 'tls_fingerprint'],
  targetFields: {
    url: dsmUrl(),
    account: text().optional(),
    admin: boolean().optional(),
    hypervisor: text().optional(),
    ca_file: text().optional(),
    tls_fingerprint: fingerprint().optional(),
    insecure_tls: boolean().optional(),
  },
  fromSettings: connectionFromSettings,
  fromTarget: (entry, setup) => connectionFromTarget(entry as unknown as WakameTargetEntry, setup),
  secretsOf: () => [],
  connect(connection, logger) {
    const client = new DcmgrClient({
      url: connection.url,
      ...(connection.account === undefined ? {} : { account: connection.account }),
      admin: connection.admin,
      timeoutMs: connection.timeoutMs,
      tls: connection.tls,
      logger,
    });
    const backend = new WakameBackend(client, connection.hypervisor === undefined ? {} : { hypervisor: connection.hypervisor });
    // dcmgr has no session: every request carries the account header.
    return { backend, sessionLive: () => true };
  },
  simulator: {
    async start({ host, port, loaded, logger }) {
      const { DEMO_ACCOUNT, describeWakameSimulator, startWakameSimulator } = await import('./simulator/index.js');
      const { settings } = loaded;
      const simulator = await startWakameSimulator({
        timings: {
          ...(settings.sim_power_ms === undefined ? {} : { stepMs: settings.sim_power_ms }),
          ...(settings.sim_task_ms === undefined ? {} : { imageStepMs: settings.sim_task_ms }),
        },
        host,
        port,
        logger,
      });
      return {
        url: simulator.url,
        describe: () => describeWakameSimulator(simulator, DEMO_ACCOUNT),
        demoConnection: (timeoutMs) => ({ url: simulator.url, account: DEMO_ACCOUNT, admin: false, hypervisor: 'kvm', timeoutMs, tls: {} }),
        summary: () => `simulated Wakame-VDC answered ${simulator.stats.requests.length} requests`,
        close: () => simulator.close(),
      };
    },
  },
};

interface WakameTargetEntry {
  url: string;
  account?: string;
  admin?: boolean;
  hypervisor?: string;
  ca_file?: string;
  tls_fingerprint?: string;
  insecure_tls?: boolean;
}

function connectionFromSettings(loaded: LoadedSettings, setup: TargetSetup): WakameConnection {
  const { settings } = loaded;
  if (settings.url === undefined) {
    throw new ConfigError('VMM_URL is required (the dcmgr address, e.g. http://dcmgr.example:9001), or use --simulator for a demo');
  }
  return checked(
    {
      url: settings.url,
      account: settings.wakame_account,
      admin: settings.wakame_admin === true,
      hypervisor: settings.wakame_hypervisor,
      ca_file: settings.ca_file,
      tls_fingerprint: settings.tls_fingerprint,
      insecure_tls: settings.insecure_tls,
    },
    setup,
    { account: 'VMM_WAKAME_ACCOUNT', admin: 'VMM_WAKAME_ADMIN' },
  );
}

function connectionFromTarget(entry: WakameTargetEntry, setup: TargetSetup): WakameConnection {
  return checked(entry, setup, { account: setup.label('account'), admin: setup.label('admin') });
}

function checked(entry: WakameTargetEntry, setup: TargetSetup, names: { account: string; admin: string }): WakameConnection {
  const admin = entry.admin === true;
  const account = entry.account?.trim();
  if (admin && account !== undefined) {
    throw new ConfigError(`${names.account} and ${names.admin} are both set for ${setup.where}; an account acts as that account, admin as every account: keep one`);
  }
  if (!admin && account === undefined) {
    throw new ConfigError(
      `${names.account} is required for ${setup.where} (the Wakame-VDC account to act as, e.g. a-shpoolxx); `
        + `without it dcmgr would act as administrator over every account, which needs ${names.admin}=true`,
    );
  }
  if (account !== undefined && !ACCOUNT_ID.test(account)) {
    throw new ConfigError(`${names.account} must be a Wakame-VDC account id: a- and 8 lowercase letters or digits (got ${JSON.stringify(account)})`);
  }
  if (admin) setup.warn(`target ${setup.name} uses dcmgr's admin view (no account header): its tools see and change every account's instances and images`);
  if (new URL(entry.url).protocol === 'http:' && !isLoopback(entry.url)) {
    setup.warn(`target ${setup.name} uses plain http (${entry.url}): the account id crosses the network unencrypted, and dcmgr trusts whoever sends it`);
  }
  return {
    url: entry.url,
    ...(account === undefined ? {} : { account }),
    admin,
    ...(entry.hypervisor === undefined ? {} : { hypervisor: entry.hypervisor }),
    timeoutMs: setup.timeoutMs,
    tls: tlsSettingsOf(entry, setup.label('ca_file')),
  };
}
