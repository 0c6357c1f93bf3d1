import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, structured, type Harness } from './mcp-harness.js';

/**
 * Issue 13, finding 1: a glob built into a regular expression backtracked exponentially, so
 * `list_vms {"name": "*" x 20 + "x"}` froze the event loop for seconds (40 stars: hours), and the same
 * held for VM-name completion and VMM_PROTECT. Each case is timed against a plain call of the same
 * kind in the same run: the hostile one must take the same order of time (a generous factor of 10,
 * medians of several calls), never a fixed wall-clock limit.
 */

/** 255 characters, the longest name filter list_vms takes: 254 stars and a letter no name ends with. */
const HOSTILE = `${'*'.repeat(254)}x`;
const STARS = '*'.repeat(255);
const RUNS = 7;
const FACTOR = 10;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function medianMs(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] as number;
}

describe('globs answer in linear time whatever the pattern', () => {
  it('list_vms with a 255-character pattern of stars answers like a plain list', async () => {
    h = await startHarness();
    const harness = h;
    const hostile = await harness.call('list_vms', { name: HOSTILE });
    expect(structured(hostile).total, 'no demo VM name ends in x').toBe(0);
    expect(structured(await harness.call('list_vms', { name: `${'*'.repeat(250)}0*1` })).total, 'web-01 and db-01 still match').toBeGreaterThanOrEqual(2);
    const plain = await medianMs(() => harness.call('list_vms', {}));
    const stars = await medianMs(() => harness.call('list_vms', { name: HOSTILE }));
    expect(stars).toBeLessThan(plain * FACTOR);
  });

  it('VM-name completion takes its prefix literally and answers like a plain completion', async () => {
    h = await startHarness();
    const { client } = h;
    const complete = (value: string) => client.complete({ ref: { type: 'ref/resource', uri: 'vmm://vms/{vm}' }, argument: { name: 'vm', value } });
    expect((await complete('web')).completion.values).toEqual(['web-01']);
    expect((await complete('*')).completion.values, 'a star in a prefix is a star, not a wildcard').toEqual([]);
    expect((await complete(`${'*'.repeat(19)}x`)).completion.values).toEqual([]);
    const plain = await medianMs(() => complete('w'));
    const stars = await medianMs(() => complete(`${STARS}x`));
    expect(stars).toBeLessThan(plain * FACTOR);
  });

  it('a VMM_PROTECT pattern of 255 stars is checked like a plain one', async () => {
    h = await startHarness({ policy: { protect: [`${STARS}x`, 'prod-*'] } });
    const harness = h;
    const change = (description: string) => harness.call('update_vm', { vm: 'win10', description });
    expect(structured(await change('checked against the hostile pattern')).status).toBe('updated');
    const plain = await medianMs(() => harness.call('get_vm', { vm: 'win10' }));
    const protectedCheck = await medianMs(() => change('again'));
    // update_vm reads, writes and reads again: three backend calls where get_vm makes one or two.
    expect(protectedCheck).toBeLessThan(plain * FACTOR * 3);
  });
});
