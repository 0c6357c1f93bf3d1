/**
 * Names typed by people and names stored by a backend may spell the same letters differently: "é" is
 * one code point in NFC and two ("e" plus a combining accent) in NFD, which macOS file names and some
 * keyboards produce. Every comparison of names goes through these, on both sides, so a protection
 * pattern, a typed confirmation or a lookup never misses a name over its Unicode spelling.
 */

export function normalizeName(name: string): string {
  return name.normalize('NFC');
}

/** The form case-insensitive comparisons use: NFC, then lower case. */
export function foldName(name: string): string {
  return normalizeName(name).toLowerCase();
}

export function sameName(a: string, b: string): boolean {
  return normalizeName(a) === normalizeName(b);
}
