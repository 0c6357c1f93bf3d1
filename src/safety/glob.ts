/**
 * Name globs for VMM_PROTECT: `*` matches any run of characters, `?` exactly one, everything else
 * is literal. Matching is case-insensitive on purpose: DSM lets "Web-01" and "web-01" coexist, and a
 * protection pattern that silently misses a VM because of letter case would fail open.
 */

export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'iu');
}

export function matchesGlob(name: string, pattern: string): boolean {
  return globToRegExp(pattern).test(name);
}
