import { foldName } from './names.js';

/**
 * Name globs (VMM_PROTECT, the list_vms name filter): `*` matches any run of characters, `?` exactly
 * one, everything else is literal. Matching ignores letter case on purpose: DSM lets "Web-01" and
 * "web-01" coexist, and a protection pattern that silently misses a VM because of letter case would
 * fail open. Both sides are NFC-normalised (names.ts).
 *
 * The matcher walks name and pattern with two pointers, remembering only the last `*` to fall back to,
 * so it costs at most length(name) x length(pattern) steps whatever the pattern. A regular expression
 * built from the glob (`.*x.*x...`) backtracks exponentially and froze the event loop on 20 stars.
 */

export interface Glob {
  matches(name: string): boolean;
}

export function compileGlob(pattern: string): Glob {
  const glob = [...foldName(pattern)];
  return { matches: (name) => matchFolded([...foldName(name)], glob) };
}

export function matchesGlob(name: string, pattern: string): boolean {
  return compileGlob(pattern).matches(name);
}

export function isGlob(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

function matchFolded(name: readonly string[], glob: readonly string[]): boolean {
  let n = 0;
  let g = 0;
  // Where the last `*` was, and the name position it is currently assumed to stretch to.
  let starAt = -1;
  let starName = 0;
  while (n < name.length) {
    const token = glob[g];
    if (token === '*') {
      starAt = g;
      starName = n;
      g += 1;
    } else if (token !== undefined && (token === '?' || token === name[n])) {
      n += 1;
      g += 1;
    } else if (starAt >= 0) {
      starName += 1;
      n = starName;
      g = starAt + 1;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g += 1;
  return g === glob.length;
}
