import { OperationError } from '../errors.js';

export interface Page<T> {
  items: T[];
  total: number;
  next_offset: number | null;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

/** A name filter: a case-insensitive substring, or a whole-name glob when it contains `*` or `?`. */
export function nameMatcher(filter: string): (name: string) => boolean {
  const lower = filter.toLowerCase();
  if (!/[*?]/.test(filter)) return (name) => name.toLowerCase().includes(lower);
  const pattern = [...lower]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const glob = new RegExp(`^${pattern}$`, 's');
  return (name) => glob.test(name.toLowerCase());
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
