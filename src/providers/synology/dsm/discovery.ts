import { OperationError } from '../../../errors.js';
import { AUTH_API } from './error-codes.js';

/**
 * What SYNO.API.Info says about each API: the CGI it lives at and the versions it speaks. DSM 7 moved
 * SYNO.API.Auth to entry.cgi (max v7); DSM 6 keeps it at auth.cgi (max v6); a wrong path answers 102.
 */

export interface ApiInfo {
  path: string;
  minVersion: number;
  maxVersion: number;
  requestFormat?: string;
}

export const DISCOVERY_PATH = 'query.cgi';
export const DISCOVERY_PARAMS = { api: 'SYNO.API.Info', version: 1, method: 'query', query: 'all' } as const;

/** The highest SYNO.API.Auth version this client speaks. */
export const MAX_AUTH_VERSION = 7;

/** The guide's layout, used only when SYNO.API.Info itself fails: Auth at auth.cgi v3, VMM APIs at entry.cgi v1. */
export const GUIDE_AUTH: ApiInfo = { path: 'auth.cgi', minVersion: 1, maxVersion: 3 };
const GUIDE_VMM: ApiInfo = { path: 'entry.cgi', minVersion: 1, maxVersion: 1, requestFormat: 'JSON' };
const GUIDE_VMM_APIS = [
  'SYNO.Virtualization.API.Task.Info',
  'SYNO.Virtualization.API.Network',
  'SYNO.Virtualization.API.Storage',
  'SYNO.Virtualization.API.Host',
  'SYNO.Virtualization.API.Guest',
  'SYNO.Virtualization.API.Guest.Action',
  'SYNO.Virtualization.API.Guest.Image',
];

export function guideApiMap(): ReadonlyMap<string, ApiInfo> {
  return new Map<string, ApiInfo>([[AUTH_API, GUIDE_AUTH], ...GUIDE_VMM_APIS.map((name): [string, ApiInfo] => [name, GUIDE_VMM])]);
}

/** Where a SYNO.Virtualization API is assumed to live when discovery failed and the guide does not list it. */
export function assumedApi(name: string): ApiInfo | undefined {
  return name.startsWith('SYNO.Virtualization.') ? GUIDE_VMM : undefined;
}

/** The `data` of a SYNO.API.Info answer as a map; undefined when it is not shaped like one. */
export function parseApiMap(data: unknown): ReadonlyMap<string, ApiInfo> | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const map = new Map<string, ApiInfo>();
  for (const [name, value] of Object.entries(data)) {
    const entry = value as Partial<Record<keyof ApiInfo, unknown>> | null;
    if (typeof entry !== 'object' || entry === null) continue;
    const { path, minVersion, maxVersion, requestFormat } = entry;
    if (typeof path !== 'string' || typeof minVersion !== 'number' || typeof maxVersion !== 'number') continue;
    map.set(name, { path, minVersion, maxVersion, ...(typeof requestFormat === 'string' ? { requestFormat } : {}) });
  }
  return map.size > 0 ? map : undefined;
}

/** The highest version both sides speak, capped at `wanted`. */
export function chooseVersion(api: string, info: ApiInfo, wanted: number): number {
  const version = Math.min(info.maxVersion, wanted);
  if (version < info.minVersion) {
    throw new OperationError(
      'unsupported',
      `DSM offers ${api} only from version ${info.minVersion}, but this client speaks up to version ${wanted}.`,
      { next: 'Report the DSM and Virtual Machine Manager versions with this error.' },
    );
  }
  return version;
}
