import { prefixMatcher } from '../vmm/listing.js';
import type { Vmm } from '../vmm/operations.js';

/** At most this many suggestions per completion request. */
export const MAX_COMPLETIONS = 50;

/** The names that start with `prefix`, ignoring case, at most MAX_COMPLETIONS. */
export function startingWith(prefix: string, names: readonly string[]): string[] {
  const starts = prefixMatcher(prefix);
  return names.filter(starts).slice(0, MAX_COMPLETIONS);
}

/** VM names starting with `prefix` (case-insensitive), for argument completion. */
export async function completeVmNames(vmm: Vmm, prefix: string): Promise<string[]> {
  // Filtered before paging; the prefix is literal, so a typed `*` or `?` is not a wildcard.
  const page = await vmm.listVms({ namePrefix: prefix }, { limit: MAX_COMPLETIONS, offset: 0 });
  return page.items.map((vm) => vm.name);
}
