import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { fastSimulator, login, vmm } from './simulator-helpers.js';

let sim: SimulatorHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('simulator with 10,000 generated VMs', () => {
  it('serves the whole list, gets any VM by name, and keeps host memory within capacity and every running VM within the threads of its host', async () => {
    sim = await fastSimulator({ inventory: { vms: 10_000 } });
    expect(sim.state.vms.size).toBe(10_000);
    const sid = await login(sim);
    const list = await vmm(sim, sid, 'SYNO.Virtualization.API.Guest', 'list');
    expect(list.data.guests).toHaveLength(10_000);
    expect(list.data.guests[9_999].guest_name).toBe('vm-10000');
    const statuses = new Set(list.data.guests.map((guest: { status: string }) => guest.status));
    expect(statuses).toEqual(new Set(['running', 'shutdown']));
    const guest = await vmm(sim, sid, 'SYNO.Virtualization.API.Guest', 'get', { guest_name: 'vm-05000' });
    expect(guest.data.guest_name).toBe('vm-05000');
    // Memory is never overcommitted; vCPUs may be (DSM allows it), but no VM has more than its host's threads.
    for (const host of sim.state.hosts.values()) expect(host.reserved_ram_mb).toBeLessThanOrEqual(host.ram_mb);
    for (const vm of sim.state.vms.values()) {
      const host = vm.host_id === undefined ? undefined : sim.state.hosts.get(vm.host_id);
      if (vm.status === 'running') expect(vm.vcpus).toBeLessThanOrEqual(host?.cpu_threads ?? 0);
    }
    for (const storage of sim.state.storages.values()) expect(storage.used_mb).toBeLessThanOrEqual(storage.size_mb);
  });

  it('derives the same ids from the same seed and different ones from another seed', async () => {
    const first = await fastSimulator({ inventory: { vms: 50 } });
    const second = await fastSimulator({ inventory: { vms: 50 } });
    const other = await fastSimulator({ inventory: { vms: 50, seed: 2 } });
    try {
      expect([...first.state.vms.keys()]).toEqual([...second.state.vms.keys()]);
      expect([...first.state.vms.keys()][0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
      expect([...other.state.vms.keys()][0]).not.toBe([...first.state.vms.keys()][0]);
    } finally {
      await Promise.all([first.close(), second.close(), other.close()]);
    }
  });

  it('pages 10,000 VMs in the compact style with their total', async () => {
    sim = await fastSimulator({ style: 'compact', inventory: { vms: 10_000 } });
    const sid = await login(sim);
    const page = await vmm(sim, sid, 'SYNO.Virtualization.Guest', 'List', { offset: '9990', limit: '100' });
    expect(page.data.total).toBe(10_000);
    expect(page.data.guests.map((guest: { guest_name: string }) => guest.guest_name)).toEqual(
      Array.from({ length: 10 }, (_, index) => `vm-${String(9991 + index).padStart(5, '0')}`),
    );
  });
});
