import { OperationError } from '../errors.js';
import type { NameFilter } from './backend.js';
import { compileGlob, isGlob } from '../text/glob.js';
import { foldName } from '../text/names.js';
import type { Image, ImageFilter } from './model.js';

export interface Page<T> {
  items: T[];
  total: number;
  next_offset: number | null;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

/**
 * A name filter: a case-insensitive substring, or a whole-name glob when it contains `*` or `?`
 * (text/glob.ts, linear whatever the pattern). Both sides are NFC-normalised.
 */
export function nameMatcher(filter: string): (name: string) => boolean {
  if (isGlob(filter)) {
    const glob = compileGlob(filter);
    return (name) => glob.matches(name);
  }
  const folded = foldName(filter);
  return (name) => foldName(name).includes(folded);
}

/** Names that start with `prefix` as written: completion prefixes are literal, a `*` in one is a `*`. */
export function prefixMatcher(prefix: string): (name: string) => boolean {
  const folded = foldName(prefix);
  return (name) => foldName(name).startsWith(folded);
}

/**
 * The name and prefix filters as one NameFilter for the backend; `undefined` when neither is set.
 * Its key is the filters as written, so only listings with the very same filters share a request.
 */
export function nameFilter(name: string | undefined, prefix: string | undefined): NameFilter | undefined {
  const byName = name === undefined || name === '' ? undefined : nameMatcher(name);
  const byPrefix = prefix === undefined ? undefined : prefixMatcher(prefix);
  if (byName === undefined && byPrefix === undefined) return undefined;
  return {
    key: JSON.stringify([byName === undefined ? null : name, prefix ?? null]),
    matches: (vmName) => (byName === undefined || byName(vmName)) && (byPrefix === undefined || byPrefix(vmName)),
  };
}

export function checkPage(page: PageRequest): void {
  if (!Number.isInteger(page.limit) || page.limit < 1) {
    throw new OperationError('invalid_input', `limit must be a whole number of at least 1, got ${page.limit}`, {
      next: 'pass a limit such as 50',
    });
  }
  if (!Number.isInteger(page.offset) || page.offset < 0) {
    throw new OperationError('invalid_input', `offset must be a whole number of at least 0, got ${page.offset}`, {
      next: 'pass offset 0, or the next_offset of the previous page',
    });
  }
}

export function paginate<T>(items: readonly T[], page: PageRequest): Page<T> {
  checkPage(page);
  const slice = items.slice(page.offset, page.offset + page.limit);
  const end = page.offset + slice.length;
  return { items: slice, total: items.length, next_offset: end < items.length ? end : null };
}

export function matchesImageFilter(image: Image, filter: ImageFilter): boolean {
  const statusFits = filter.status === undefined ? image.status !== 'deleted' : image.status === filter.status;
  return statusFits && (filter.region === undefined || image.region === filter.region);
}
