import type { Vmm } from '../vmm/operations.js';

/** At most this many suggestions per completion request. */
export const MAX_COMPLETIONS = 50;

/** The names that start with `prefix`, ignoring case, at most MAX_COMPLETIONS. */
export function startingWith(prefix: string, names: readonly string[]): string[] {
  const lower = prefix.toLowerCase();
  return names.filter((name) => name.toLowerCase().startsWith(lower)).slice(0, MAX_COMPLETIONS);
}

/** VM names starting with `prefix` (case-insensitive), for argument completion. */
export async function completeVmNames(vmm: Vmm, prefix: string): Promise<string[]> {
  // A glob so the listing filters by prefix before it pages; the backend matches case-insensitively.
  const page = await vmm.listVms({ name: `${prefix}*` }, { limit: MAX_COMPLETIONS, offset: 0 });
  return page.items.map((vm) => vm.name);
}
