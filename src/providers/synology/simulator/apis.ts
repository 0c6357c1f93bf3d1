import type { ApiDefinition, Handler } from './context.js';
import { AuthApi } from './handlers/auth.js';
import { hostList, networkList, storageList } from './handlers/cluster.js';
import { compactGuestMethods, compactImageMethods } from './handlers/compact.js';
import { dsmInfoMethods, encryptionMethods } from './handlers/dsm-info.js';
import { guestActionMethods } from './handlers/guest-action.js';
import { guestImageMethods } from './handlers/guest-image.js';
import { guestMethods } from './handlers/guest.js';
import { infoQuery } from './handlers/info.js';
import { internalGuestActionMethods, internalGuestMethods, internalImageMethods } from './handlers/internal.js';
import { taskMethods } from './handlers/task-info.js';
import type { ResolvedOptions } from './options.js';

/**
 * auth.cgi on a DSM 7 box: discovery names entry.cgi, but auth.cgi answers every version up to 7
 * as well, since clients built for DSM 7 log in there.
 */
export const DSM7_AUTH_CGI = { path: 'auth.cgi', minVersion: 1, maxVersion: 7 } as const;

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
  apis.set('SYNO.API.Encryption', { path: 'encryption.cgi', minVersion: 1, maxVersion: 1, needsSession: false, methods: encryptionMethods });
  apis.set('SYNO.DSM.Info', entry(dsmInfoMethods, 2));
  apis.set('SYNO.Virtualization.API.Task.Info', entry(taskMethods));
  apis.set('SYNO.Virtualization.API.Network', entry({ list: networkList }));
  apis.set('SYNO.Virtualization.API.Storage', entry({ list: storageList }));
  apis.set('SYNO.Virtualization.API.Host', entry({ list: hostList }));
  if (options.style === 'official') {
    apis.set('SYNO.Virtualization.API.Guest', entry(guestMethods));
    apis.set('SYNO.Virtualization.API.Guest.Action', entry(guestActionMethods));
    apis.set('SYNO.Virtualization.API.Guest.Image', entry(guestImageMethods));
  }
  // A DSM 7 box with VMM lists its internal guest family beside the official one, and the internal
  // image list, whose sizes the official one lacks.
  if (options.style === 'internal' || (options.style === 'official' && options.dsmVersion === 7)) {
    apis.set('SYNO.Virtualization.Guest', entry(internalGuestMethods, 2));
    apis.set('SYNO.Virtualization.Guest.Action', entry(internalGuestActionMethods));
  }
  if (options.style === 'official' && options.dsmVersion === 7) apis.set('SYNO.Virtualization.Image', entry(internalImageMethods));
  if (options.style === 'compact') {
    apis.set('SYNO.Virtualization.Guest', entry(compactGuestMethods));
    apis.set('SYNO.Virtualization.Image', entry(compactImageMethods));
  }
  return apis;
}
