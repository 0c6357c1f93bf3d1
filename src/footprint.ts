import { setFlagsFromString } from 'node:v8';

/*
 * V8 is tuned for throughput; a stdio MCP server is one of many processes a desktop client keeps
 * running, so this one asks V8 for a small footprint instead (measurements in bench/README.md):
 *
 * - Heap. Under load (many small requests, each leaving short-lived SDK, zod and AbortSignal objects)
 *   V8 grows the young generation to two 16 MB semi-spaces and the old generation to about four times
 *   the live heap before a full collection: 170 MB of RSS around a 20 MB live heap. Here the young
 *   generation keeps its initial size and the old generation grows by two fifths at a time, at the
 *   price of throughput under heavy concurrency that an agent never comes near. Two fifths, not one:
 *   with one, each parse of a large VM list (3 MB on 10,000 VMs) set off a full collection while the
 *   parsed list was still alive, a third more CPU per list for 5 to 10 MB less peak RSS.
 * - WebAssembly. undici parses HTTP with llhttp compiled to WebAssembly; re-compiling it with the
 *   optimising tier after the first DSM requests takes about 35 MB of memory for a moment, the peak
 *   of an otherwise quiet session. The baseline tier parses DSM's small answers just as well.
 *
 * V8 reads all four flags when it resizes a space or compiles a module, so setting them at run time,
 * before the rest of the server is loaded, takes effect (unlike --max-semi-space-size, which is read
 * once when the heap is made). Whoever launches node with flags of the same kind keeps their choice.
 */

interface FlagGroup {
  readonly set: readonly string[];
  /** Launch flags (without `--`, `no-` or a value) that mean the user has chosen for this group. */
  readonly unlessLaunchedWith: ReadonlySet<string>;
}

const FOOTPRINT_FLAGS: readonly FlagGroup[] = [
  {
    set: ['--semi-space-growth-factor=1', '--heap-growing-percent=40'],
    unlessLaunchedWith: new Set([
      'max-semi-space-size',
      'min-semi-space-size',
      'semi-space-growth-factor',
      'max-old-space-size',
      'initial-old-space-size',
      'max-heap-size',
      'heap-growing-percent',
      'optimize-for-size',
    ]),
  },
  {
    set: ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering'],
    unlessLaunchedWith: new Set(['wasm-tier-up', 'wasm-dynamic-tiering', 'liftoff', 'liftoff-only']),
  },
];

/** `--no-max_old_space_size=96` -> `max-old-space-size`: node accepts `_` for `-`. */
function flagName(flag: string): string {
  return flag.replace(/^--(no-)?/, '').split('=')[0]!.replaceAll('_', '-');
}

/** The V8 flags to set, given how node was launched (its own arguments and NODE_OPTIONS). */
export function footprintFlags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const launched = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(flagName));
  return FOOTPRINT_FLAGS.filter((group) => ![...group.unlessLaunchedWith].some((name) => launched.has(name))).flatMap((group) => group.set);
}

export function keepFootprintSmall(): void {
  for (const flag of footprintFlags(process.execArgv, process.env['NODE_OPTIONS'])) setFlagsFromString(flag);
}
