import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { footprintFlags } from '../src/footprint.js';

const HEAP = ['--semi-space-growth-factor=1', '--heap-growing-percent=40'];
const WASM = ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];

describe('footprint flags', () => {
  it('asks for a small heap and baseline WebAssembly when node is launched plainly', () => {
    expect(footprintFlags([], '')).toEqual([...HEAP, ...WASM]);
    expect(footprintFlags(['--enable-source-maps'], '--trace-warnings')).toEqual([...HEAP, ...WASM]);
  });

  it('leaves the heap alone when the launch command sizes it, in either spelling or place', () => {
    expect(footprintFlags(['--max-old-space-size=96'])).toEqual(WASM);
    expect(footprintFlags([], '--max_semi_space_size=4')).toEqual(WASM);
    expect(footprintFlags(['--optimize-for-size'])).toEqual(WASM);
  });

  it('leaves WebAssembly tiering alone when the launch command chooses it', () => {
    expect(footprintFlags(['--wasm-tier-up'])).toEqual(HEAP);
    expect(footprintFlags([], '--no-wasm-dynamic-tiering --max-heap-size=200')).toEqual([]);
  });

  it('names only flags this V8 knows, so none is silently ignored', () => {
    const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    for (const flag of footprintFlags([])) {
      const name = flag.replace(/^--(no-)?/, '').split('=')[0]!;
      expect(known, flag).toMatch(new RegExp(`^\\s+--${name} \\(`, 'm'));
    }
  });
});
