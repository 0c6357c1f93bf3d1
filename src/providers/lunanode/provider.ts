import { ConfigError } from '../../config-error.js';
import { fromEnv, isLoopback, oneSecret } from '../../secret-sources.js';
import { choice, dsmUrl, secretText, text } from '../../setting-fields.js';
import type { ProviderDefinition, TargetSetup } from '../provider.js';
import { LunaNodeBackend } from './backend.js';
import { LUNANODE_URL, LunaNodeClient } from './client.js';
import { partialKeyOf } from './signature.js';

/** How to reach one LunaNode account. */
export interface LunaNodeConnection {
  url: string;
  apiId: string;
  apiKey: string;
  region?: string;
  timeoutMs: number;
}

export const LUNANODE_REGIONS = ['toronto', 'montreal', 'roubaix'] as const;

export const lunanode: ProviderDefinition<LunaNodeConnection> = {
  type: 'lunanode',
  title: 'LunaNode',
  settingKeys: ['api_id', 'api_key', 'api_key_file', 'region'],
  targetFields: {
    url: dsmUrl().optional(),
    api_id: text(),
    api_key: secretText().optional(),
    api_key_env: text().optional(),
    api_key_file: text().optional(),
    region: choice(LUNANODE_REGIONS).optional(),
  },
  fromSettings(loaded, setup) {
    const { settings } = loaded;
    if (settings.api_id === undefined) throw new ConfigError('VMM_API_ID is required for a LunaNode target (the API ID of the key, 16 characters), or use --simulator for a demo');
    const apiKey = oneSecret(
      [
        { label: setup.label('api_key'), value: settings.api_key, literalIn: setup.literalIn('api_key') },
        { label: setup.label('api_key_file'), file: settings.api_key_file },
      ],
      setup.warn,
    );
    if (apiKey === undefined) throw new ConfigError('VMM_API_KEY or VMM_API_KEY_FILE is required for a LunaNode target (the 128-character API key)');
    return connection(setup, settings.url, settings.api_id, apiKey, settings.region);
  },
  fromTarget(entry, setup) {
    const target = entry as { url?: string; api_id: string; api_key?: string; api_key_env?: string; api_key_file?: string; region?: string };
    const apiKey = oneSecret(
      [
        { label: setup.label('api_key'), value: target.api_key, literalIn: setup.literalIn('api_key') },
        { label: setup.label('api_key_env'), value: fromEnv(target.api_key_env, setup.label('api_key_env'), setup.env) },
        { label: setup.label('api_key_file'), file: target.api_key_file },
      ],
      setup.warn,
    );
    if (apiKey === undefined) throw new ConfigError(`${setup.where} needs api_key_env or api_key_file (or api_key)`);
    return connection(setup, target.url, target.api_id, apiKey, target.region);
  },
  secretsOf: (connection) => [connection.apiKey, partialKeyOf(connection.apiKey)],
  connect(connection, logger) {
    const client = new LunaNodeClient({ ...connection, logger });
    // No session: every request is signed on its own.
    return { backend: new LunaNodeBackend(client), sessionLive: () => true };
  },
  simulator: {
    async start({ host, port, loaded, logger }) {
      const { DEMO_API, describeLunaNodeSimulator, startLunaNodeSimulator } = await import('./simulator/index.js');
      const { settings } = loaded;
      const simulator = await startLunaNodeSimulator({
        host,
        port,
        logger,
        durations: {
          ...(settings.sim_task_ms === undefined ? {} : { buildMs: settings.sim_task_ms, imageMs: settings.sim_task_ms }),
          ...(settings.sim_power_ms === undefined ? {} : { powerMs: settings.sim_power_ms }),
        },
      });
      return {
        url: simulator.url,
        describe: () => describeLunaNodeSimulator(simulator),
        demoConnection: (timeoutMs) => ({ url: simulator.url, apiId: DEMO_API.apiId, apiKey: DEMO_API.apiKey, region: 'toronto', timeoutMs }),
        summary: () => `simulated LunaNode answered ${simulator.requests.length} requests (${simulator.requests.filter((request) => request.outcome === 'no').length} refused)`,
        close: () => simulator.close(),
      };
    },
  },
};

function connection(setup: TargetSetup, url: string | undefined, apiId: string, apiKey: string, region: string | undefined): LunaNodeConnection {
  if (apiKey.length !== 128) {
    throw new ConfigError(`${setup.label('api_key')}: a LunaNode API key has 128 characters, this one has ${apiKey.length}`);
  }
  const base = url ?? LUNANODE_URL;
  if (new URL(base).protocol === 'http:' && !isLoopback(base)) {
    setup.warn(`target ${setup.name} uses plain http (${base}): requests are signed, but everything else crosses the network unencrypted; use https`);
  }
  return { url: base, apiId, apiKey, ...(region === undefined ? {} : { region }), timeoutMs: setup.timeoutMs };
}
