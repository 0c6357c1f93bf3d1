import { describe, expect, it } from 'vitest';
import { matchesGlob } from '../src/text/glob.js';
import { DEFAULT_POLICY, isListed, protectedBy, type Policy } from '../src/safety/policy.js';

const policy = (changes: Partial<Policy>): Policy => ({ ...DEFAULT_POLICY, ...changes });

describe('isListed', () => {
  it('lists every tool under the default policy', () => {
    expect(['read', 'write', 'destructive'].map((effect) => isListed(effect as 'read', DEFAULT_POLICY))).toEqual([true, true, true]);
  });

  it('hides write and destructive tools in read-only mode, whatever VMM_DESTRUCTIVE says', () => {
    for (const destructive of ['confirm', 'deny', 'allow'] as const) {
      const readOnly = policy({ readOnly: true, destructive });
      expect(isListed('read', readOnly)).toBe(true);
      expect(isListed('write', readOnly)).toBe(false);
      expect(isListed('destructive', readOnly)).toBe(false);
    }
  });

  it('hides only destructive tools when destructive is deny', () => {
    const deny = policy({ destructive: 'deny' });
    expect(isListed('write', deny)).toBe(true);
    expect(isListed('destructive', deny)).toBe(false);
    expect(isListed('destructive', policy({ destructive: 'allow' }))).toBe(true);
  });
});

describe('protection globs', () => {
  it('matches * as any run and ? as exactly one character', () => {
    expect(matchesGlob('prod-db-01', 'prod-*')).toBe(true);
    expect(matchesGlob('prod', 'prod-*')).toBe(false);
    expect(matchesGlob('web-1', 'web-?')).toBe(true);
    expect(matchesGlob('web-10', 'web-?')).toBe(false);
    expect(matchesGlob('anything at all', '*')).toBe(true);
  });

  it('treats regular-expression characters as literals', () => {
    expect(matchesGlob('a.b', 'a.b')).toBe(true);
    expect(matchesGlob('axb', 'a.b')).toBe(false);
    expect(matchesGlob('vm(1)+[x]', 'vm(1)+[x]')).toBe(true);
    expect(matchesGlob('^$|\\', '^$|\\')).toBe(true);
  });

  it('backtracks over several stars without giving up early', () => {
    expect(matchesGlob('web-01-db-01', '*-db-*')).toBe(true);
    expect(matchesGlob('aaab', '*a*b')).toBe(true);
    expect(matchesGlob('abcabd', '*ab?')).toBe(true);
    expect(matchesGlob('abcabc', '*abd')).toBe(false);
    expect(matchesGlob('', '*')).toBe(true);
    expect(matchesGlob('', '?')).toBe(false);
    expect(matchesGlob('x', '**?**')).toBe(true);
  });

  it('compares NFC forms, so an NFD spelling of a protected name is still protected', () => {
    const nfd = 'cafe\u0301-db';
    expect(nfd).not.toBe('café-db');
    expect(matchesGlob(nfd, 'café-*')).toBe(true);
    expect(matchesGlob('café-db', 'cafe\u0301-*')).toBe(true);
    expect(protectedBy(nfd, policy({ protect: ['café-*'] }))).toBe('café-*');
  });

  it('ignores letter case so a protected VM is not missed because of capitals', () => {
    expect(matchesGlob('Prod-DB', 'prod-*')).toBe(true);
  });

  it('anchors the whole name', () => {
    expect(matchesGlob('my-prod-db', 'prod-*')).toBe(false);
  });

  it('names the first glob that protects a VM, trimming blanks and skipping empty patterns', () => {
    const protect = policy({ protect: ['', ' dc-* ', 'prod-*', 'prod-db'] });
    expect(protectedBy('prod-db', protect)).toBe('prod-*');
    expect(protectedBy('dc-01', protect)).toBe('dc-*');
    expect(protectedBy('web-01', protect)).toBeUndefined();
  });
});
