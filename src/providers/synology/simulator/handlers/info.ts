import type { ApiDefinition, Handler } from '../context.js';

/**
 * SYNO.API.Info `query`: `query=all`, or a comma list where a name ending in a dot is a prefix
 * (`SYNO.API.Auth,SYNO.Virtualization.`).
 */
export function infoQuery(apis: ReadonlyMap<string, ApiDefinition>): Handler {
  return ({ params }) => {
    const wanted = (params.list('query') ?? ['all']).map((item) => item.trim()).filter((item) => item !== '');
    const all = wanted.includes('all');
    const data: Record<string, { path: string; minVersion: number; maxVersion: number; requestFormat?: string }> = {};
    for (const [name, api] of apis) {
      const listed = all || wanted.some((item) => (item.endsWith('.') ? name.startsWith(item) : name === item));
      if (!listed) continue;
      data[name] = {
        path: api.path,
        minVersion: api.minVersion,
        maxVersion: api.maxVersion,
        ...(name.startsWith('SYNO.Virtualization.') ? { requestFormat: 'JSON' } : {}),
      };
    }
    return data;
  };
}
