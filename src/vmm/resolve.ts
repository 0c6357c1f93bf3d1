import { OperationError } from '../errors.js';
import { foldName, sameName } from '../text/names.js';
import { quoted } from '../text/quote.js';

/** How a kind of object is named in messages, and which tool lists them (for `next`). */
export interface Kind {
  noun: string;
  listTool: string;
}

export const KINDS = {
  vm: { noun: 'VM', listTool: 'list_vms' },
  image: { noun: 'image', listTool: 'list_images' },
  host: { noun: 'host', listTool: 'list_hosts' },
  storage: { noun: 'storage', listTool: 'list_storages' },
  network: { noun: 'network', listTool: 'list_networks' },
} as const satisfies Record<string, Kind>;

const MAX_CANDIDATES = 10;
const MAX_SUGGESTIONS = 5;

/**
 * Finds the one item `ref` means: an id first (ids are unique, so an id wins over a VM that happens
 * to be named like another's id), then an exact name (NFC on both sides). Several items with that name is an error
 * listing them; no match is an error suggesting names that contain the reference, ignoring case.
 */
export function resolveRef<T extends { id: string; name: string }>(kind: Kind, ref: string, items: readonly T[]): T {
  const wanted = ref.trim();
  if (wanted === '') {
    throw new OperationError('invalid_input', `No ${kind.noun} given: the reference is empty`, {
      next: `pass a ${kind.noun} id or exact name; ${kind.listTool} shows them`,
    });
  }
  const byId = items.find((item) => item.id === wanted);
  if (byId !== undefined) return byId;
  const named = items.filter((item) => sameName(item.name, wanted));
  const [only] = named;
  if (only !== undefined && named.length === 1) return only;
  if (named.length > 1) {
    throw new OperationError(
      'ambiguous',
      `${named.length} ${kind.noun}s are named ${quoted(wanted)}: ${listCandidates(named)}`,
      { next: `pass the id of the one you mean instead of the name` },
    );
  }
  const close = suggestions(wanted, items);
  const hint = close.length > 0 ? `; similar names: ${close.map(quoted).join(', ')}` : '';
  throw new OperationError('not_found', `No ${kind.noun} has the id or name ${quoted(wanted)}${hint}`, {
    next: `call ${kind.listTool} to see the ${kind.noun}s that exist, then pass an exact name or id`,
  });
}

/** Same-named images in several regions are told apart by their region. */
function listCandidates(items: ReadonlyArray<{ id: string; name: string; region?: string }>): string {
  const shown = items.slice(0, MAX_CANDIDATES).map((item) => `${quoted(item.name)} (id ${item.id}${item.region === undefined ? '' : `, region ${item.region}`})`);
  const more = items.length > MAX_CANDIDATES ? ` and ${items.length - MAX_CANDIDATES} more` : '';
  return shown.join(', ') + more;
}

function suggestions(ref: string, items: ReadonlyArray<{ name: string }>): string[] {
  const lower = foldName(ref);
  const found = new Set<string>();
  for (const item of items) {
    const name = foldName(item.name);
    if (!(name.includes(lower) || (name.length >= 3 && lower.includes(name)))) continue;
    found.add(item.name);
    if (found.size >= MAX_SUGGESTIONS) break;
  }
  return [...found];
}
