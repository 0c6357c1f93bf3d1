import { DcmgrFailure } from './failure.js';
import type { Params } from './params.js';

/** dcmgr's limit when none (or 0) is asked for. */
export const DEFAULT_LIMIT = 250;

/**
 * dcmgr's collection answer: `start` and `limit` must be digits (else 143), the order is newest
 * first unless `sort_by=field[.asc|.desc]`, and the page comes wrapped in a one-element array.
 */
export function collection<T>(
  items: T[],
  params: Params,
  dialect: '12.03' | 'legacy',
  toWire: (item: T) => Record<string, unknown>,
): unknown {
  const start = digits(params, 'start') ?? 0;
  const asked = digits(params, 'limit');
  const limit = asked === undefined || asked < 1 ? DEFAULT_LIMIT : asked;
  const rows = items.map(toWire);
  sortRows(rows, params.get('sort_by'));
  const results = rows.slice(start, start + limit);
  if (dialect === 'legacy') return [{ owner_total: rows.length, start, limit: asked ?? null, results }];
  return [{ total: rows.length, start, limit, results }];
}

function digits(params: Params, name: string): number | undefined {
  const text = params.get(name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new DcmgrFailure('InvalidParameter', name);
  return Number(text);
}

function sortRows(rows: Array<Record<string, unknown>>, sortBy: string | undefined): void {
  // The simulator's insertion order stands in for dcmgr's autoincrement id: newest first by default.
  if (sortBy === undefined) {
    rows.reverse();
    return;
  }
  const match = /^(\w+)(\.desc|\.asc)?$/.exec(sortBy);
  if (match === null) throw new DcmgrFailure('InvalidParameter', 'sort_by');
  const field = match[1] as string;
  const direction = match[2] === '.desc' ? -1 : 1;
  rows.sort((a, b) => direction * String(a[field] ?? '').localeCompare(String(b[field] ?? '')));
}

/** `<name>_since` / `<name>_until` as ISO 8601 (else 143), compared with `<name>_at`. */
export function dateRange(params: Params, name: string): (at: number | null) => boolean {
  const since = isoParam(params, `${name}_since`);
  const until = isoParam(params, `${name}_until`);
  if (since !== undefined && until !== undefined && !(since < until)) {
    throw new DcmgrFailure('InvalidParameter', `${name}_since is larger than ${name}_until`);
  }
  return (at) => {
    if (since === undefined && until === undefined) return true;
    if (at === null) return false;
    return (since === undefined || at >= since) && (until === undefined || at <= until);
  };
}

function isoParam(params: Params, name: string): number | undefined {
  const text = params.get(name);
  if (text === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw new DcmgrFailure('InvalidParameter', name);
  return at;
}
