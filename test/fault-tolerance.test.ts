import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';
import {
  countInjectedExpiries,
  leaks,
  requestsTo,
  simulatorSecrets,
  startServer,
  type ServerUnderTest,
  type ToolAnswer,
} from './fault-harness.js';

const GUEST = 'SYNO.Virtualization.API.Guest';
const ACTION = 'SYNO.Virtualization.API.Guest.Action';
const STORAGE = 'nas-01 - VM Storage 1';
/** What an "outcome unknown" error must get across: the change may have happened, so look before retrying. */
const MAY_HAVE_HAPPENED = /may (?:or may not )?have|might have|(?:outcome|result) (?:is )?unknown|not known whether/i;
const CHECK_FIRST = /check|get_vm|list_vms|look/i;

let simulator: SimulatorHandle | undefined;
let server: ServerUnderTest | undefined;

async function start(options: SimulatorOptions = {}, env: Record<string, string> = {}): Promise<{ sim: SimulatorHandle; mcp: ServerUnderTest }> {
  simulator = await startSimulator({ powerSettleMs: 20, taskDurationMs: 50, ...options });
  server = await startServer(simulator, env);
  return { sim: simulator, mcp: server };
}

afterEach(async () => {
  const sim = simulator;
  const mcp = server;
  simulator = undefined;
  server = undefined;
  if (mcp !== undefined) await mcp.close();
  if (sim !== undefined) {
    await sim.close();
    if (mcp !== undefined) expect(leaks([...mcp.transcript(), mcp.stderr()], simulatorSecrets(sim))).toEqual([]);
  }
});

function vmStatus(sim: SimulatorHandle, name: string): string | undefined {
  return sim.state.vmNamed(name)?.status;
}

function failures(answers: readonly ToolAnswer[]): string[] {
  return answers.filter((answer) => answer.isError).map((answer) => answer.text);
}

describe('session expiry under a concurrent workload', () => {
  it('answers every call while sessions expire every 50th request, logging in once per expiry', async () => {
    const { sim, mcp } = await start();
    const expiries = countInjectedExpiries(sim);
    await mcp.call('list_vms', {});
    // 16 calls in flight make at most 48 requests per round (list + get, plus one repeat each), so no
    // call meets two expiries: the design repeats a call once, and that must be enough here. Identical
    // reads in flight share one request, so a round usually sends about 7: 30 rounds see several expiries.
    sim.faults.expireEvery(50);
    const names = [...sim.state.vms.values()].map((vm) => vm.name);
    const answers: ToolAnswer[] = [];
    for (let round = 0; round < 30; round++) {
      const calls = Array.from({ length: 16 }, (_, i) => {
        if (i % 4 === 0) return mcp.call('list_vms', {});
        if (i % 4 === 1) return mcp.call('list_hosts', {});
        return mcp.call('get_vm', { vm: names[i % names.length] });
      });
      answers.push(...(await Promise.all(calls)));
    }
    expect(failures(answers)).toEqual([]);
    expect(answers).toHaveLength(480);
    expect(expiries()).toBeGreaterThanOrEqual(3);
    expect(sim.stats.logins).toBe(1 + expiries());
  });
});

describe('dropped connections and HTTP 5xx', () => {
  it.each(['drop', 'http500'] as const)('recovers a read that fails twice with %s by retrying it', async (kind) => {
    const { sim, mcp } = await start();
    await mcp.call('list_vms', {});
    sim.faults.failNext(2, { kind, match: { api: GUEST, method: 'get' } });
    const from = sim.stats.requests.length;
    const answer = await mcp.call('get_vm', { vm: 'web-01' });
    expect(answer.isError, answer.text).toBe(false);
    expect((answer.structured?.vm as { name?: string } | undefined)?.name).toBe('web-01');
    expect(requestsTo(sim, GUEST, 'get', from)).toBe(3);
  });

  it('reports a power-off whose answer was lost as outcome unknown, sends it once, and a read shows the VM off', async () => {
    const { sim, mcp } = await start({}, { VMM_DESTRUCTIVE: 'allow' });
    expect(vmStatus(sim, 'web-01')).toBe('running');
    sim.faults.failNext(1, { kind: 'drop', after: true, match: { api: ACTION, method: 'poweroff' } });
    const answer = await mcp.call('power_off', { vm: 'web-01' });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(MAY_HAVE_HAPPENED);
    expect(answer.text).toMatch(CHECK_FIRST);
    expect(requestsTo(sim, ACTION, 'poweroff')).toBe(1);
    const after = await mcp.call('get_vm', { vm: 'web-01' });
    expect((after.structured?.vm as { status?: string } | undefined)?.status).toBe('stopped');
    expect(requestsTo(sim, ACTION, 'poweroff')).toBe(1);
  });

  it('reports a power-on that DSM never carried out (HTTP 500) as outcome unknown, and a read shows the VM still off', async () => {
    const { sim, mcp } = await start();
    expect(vmStatus(sim, 'win10')).toBe('shutdown');
    sim.faults.failNext(1, { kind: 'http500', match: { api: ACTION, method: 'poweron' } });
    const answer = await mcp.call('power_on', { vm: 'win10' });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(MAY_HAVE_HAPPENED);
    expect(requestsTo(sim, ACTION, 'poweron')).toBe(1);
    const after = await mcp.call('get_vm', { vm: 'win10' });
    expect((after.structured?.vm as { status?: string } | undefined)?.status).toBe('stopped');
  });

  it('never creates a VM twice when the create answer is lost, and a read shows the one VM', async () => {
    const { sim, mcp } = await start();
    sim.faults.failNext(1, { kind: 'drop', after: true, match: { api: GUEST, method: 'create' } });
    const answer = await mcp.call('create_vm', { name: 'fault-vm-lost-answer', storage: STORAGE, disks: [{ size_gb: 1 }] });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(MAY_HAVE_HAPPENED);
    expect(requestsTo(sim, GUEST, 'create')).toBe(1);
    expect(sim.state.vmsNamed('fault-vm-lost-answer')).toHaveLength(1);
    const listed = await mcp.call('list_vms', { name: 'fault-vm-lost-answer' });
    expect(listed.structured?.total).toBe(1);
  });

  it('creates nothing when the create request failed before DSM acted, and a read shows no VM', async () => {
    const { sim, mcp } = await start();
    sim.faults.failNext(1, { kind: 'http500', match: { api: GUEST, method: 'create' } });
    const answer = await mcp.call('create_vm', { name: 'fault-vm-never-made', storage: STORAGE, disks: [{ size_gb: 1 }] });
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(MAY_HAVE_HAPPENED);
    expect(requestsTo(sim, GUEST, 'create')).toBe(1);
    expect(sim.state.vmsNamed('fault-vm-never-made')).toHaveLength(0);
    const listed = await mcp.call('list_vms', { name: 'fault-vm-never-made' });
    expect(listed.structured?.total).toBe(0);
  });
});

describe('a backend slower than the request timeout', () => {
  it('answers a clear timeout error, keeps serving meanwhile, and works again once the backend is fast', async () => {
    const { sim, mcp } = await start({}, { VMM_TIMEOUT_MS: '1000' });
    await mcp.call('list_vms', {});
    sim.faults.latencyMs = 5_000;
    const order: string[] = [];
    const slow = mcp.call('get_vm', { vm: 'web-01' }).then((answer) => {
      order.push('slow call answered');
      return answer;
    });
    const tools = await mcp.client.listTools();
    order.push('tools/list answered');
    expect(tools.tools.length).toBeGreaterThan(0);
    const answer = await slow;
    expect(order).toEqual(['tools/list answered', 'slow call answered']);
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/time(?:d)? ?out/i);
    sim.faults.latencyMs = 0;
    const fast = await mcp.call('get_vm', { vm: 'web-01' });
    expect(fast.isError, fast.text).toBe(false);
  });
});
