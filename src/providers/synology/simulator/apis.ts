import type { ApiDefinition, Handler } from './context.js';
import { AuthApi } from './handlers/auth.js';
import { hostList, networkList, storageList } from './handlers/cluster.js';
import { compactGuestMethods, compactImageMethods } from './handlers/compact.js';
import { guestActionMethods } from './handlers/guest-action.js';
import { guestImageMethods } from './handlers/guest-image.js';
import { guestMethods } from './handlers/guest.js';
import { infoQuery } from './handlers/info.js';
import { taskMethods } from './handlers/task-info.js';
import type { ResolvedOptions } from './options.js';

/** auth.cgi versions a DSM 7 box still answers for old clients, although discovery names entry.cgi. */
export const LEGACY_AUTH = { path: 'auth.cgi', minVersion: 1, maxVersion: 6 } as const;

function entry(methods: Readonly<Record<string, Handler>>, maxVersion = 1): ApiDefinition {
  return { path: 'entry.cgi', minVersion: 1, maxVersion, needsSession: true, methods };
}

/** The APIs one simulated box lists in SYNO.API.Info and serves, by name. */
export function buildApiTable(options: ResolvedOptions): ReadonlyMap<string, ApiDefinition> {
  const apis = new Map<string, ApiDefinition>();
  apis.set('SYNO.API.Info', { path: 'query.cgi', minVersion: 1, maxVersion: 1, needsSession: false, methods: { query: infoQuery(apis) } });
  const auth = new AuthApi();
  apis.set(
    'SYNO.API.Auth',
    options.dsmVersion === 7
      ? { path: 'entry.cgi', minVersion: 1, maxVersion: 7, needsSession: false, methods: auth.methods }
      : { path: 'auth.cgi', minVersion: 1, maxVersion: 6, needsSession: false, methods: auth.methods },
  );
  apis.set('SYNO.Virtualization.API.Task.Info', entry(taskMethods));
  apis.set('SYNO.Virtualization.API.Network', entry({ list: networkList }));
  apis.set('SYNO.Virtualization.API.Storage', entry({ list: storageList }));
  apis.set('SYNO.Virtualization.API.Host', entry({ list: hostList }));
  if (options.style === 'official') {
    apis.set('SYNO.Virtualization.API.Guest', entry(guestMethods));
    apis.set('SYNO.Virtualization.API.Guest.Action', entry(guestActionMethods));
    apis.set('SYNO.Virtualization.API.Guest.Image', entry(guestImageMethods));
  } else {
    apis.set('SYNO.Virtualization.Guest', entry(compactGuestMethods));
    apis.set('SYNO.Virtualization.Image', entry(compactImageMethods));
  }
  return apis;
}
