import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../src/providers/synology/simulator/index.js';
import { nameMatcher } from '../src/vmm/listing.js';
import { startHarness, structured, type Harness } from './mcp-harness.js';

/**
 * list_vms on the official API asks for the guest list without `additional` (on 10,000 VMs the devices
 * it adds are half the answer, and a row shows none of them), while get_vm keeps asking with it.
 */

const GUEST = 'SYNO.Virtualization.API.Guest';

interface VmTable {
  columns: string[];
  vms: Array<Array<string | number | null>>;
}
interface VmDetails {
  name: string;
  status: string;
  vcpus: number;
  ram_mb: number;
  host?: string;
  disks: unknown[];
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function open(simulator: SimulatorOptions = {}): Promise<Harness> {
  const h = await startHarness({ simulator });
  harnesses.push(h);
  return h;
}

function guestRequests(h: Harness, method: string): Array<Record<string, string>> {
  return h.sim.stats.requests.filter((request) => request.api === GUEST && request.method === method).map((request) => request.params);
}

async function listRows(h: Harness, args: Record<string, unknown> = {}): Promise<VmTable['vms']> {
  const result = await h.call('list_vms', { limit: 200, ...args });
  expect(result.isError).toBeFalsy();
  return structured<VmTable>(result).vms;
}

describe('the official guest list', () => {
  it('list_vms sends one guest list without additional, and get_vm still asks for the devices', async () => {
    const h = await open();
    const before = guestRequests(h, 'list').length;
    const rows = await listRows(h);
    const lists = guestRequests(h, 'list').slice(before);
    expect(lists).toHaveLength(1);
    expect(lists[0]).not.toHaveProperty('additional');
    expect(rows).toHaveLength(h.sim.state.vms.size);

    const vm = structured<{ vm: VmDetails }>(await h.call('get_vm', { vm: 'db-01' })).vm;
    expect(guestRequests(h, 'get').at(-1)).toMatchObject({ additional: 'true' });
    expect(vm.disks).toHaveLength(h.sim.state.vmNamed('db-01')!.disks.length);
  });

  it('shows in each row what get_vm, which asks with additional=true, reads of the same VM', async () => {
    const h = await open();
    const rows = await listRows(h);
    for (const row of rows) {
      const vm = structured<{ vm: VmDetails }>(await h.call('get_vm', { vm: String(row[0]) })).vm;
      expect(row).toEqual([vm.name, vm.status, vm.vcpus, vm.ram_mb, vm.host ?? null]);
    }
  });

  it('gives the same rows when a box sends disks and NICs in the plain list too, as the guide\'s example does', async () => {
    const plain = await listRows(await open());
    const withDevices = await open({ guestListDevicesAlways: true });
    expect(await listRows(withDevices)).toEqual(plain);
    expect(await listRows(withDevices, { name: 'web' })).toEqual(plain.filter((row) => String(row[0]).includes('web')));
  });

  it('leaves a VM the box names no host for without one, also when the name filter keeps only that VM', async () => {
    const h = await open();
    h.sim.state.vmNamed('lab-router')!.host_id = undefined;
    const storageLists = (): number => h.sim.stats.requests.filter((request) => request.api === 'SYNO.Virtualization.API.Storage').length;
    const before = storageLists();
    expect(await listRows(h, { name: 'lab-router' })).toEqual([['lab-router', expect.any(String), expect.any(Number), expect.any(Number), null]]);
    expect((await listRows(h)).find((row) => row[0] === 'lab-router')?.[4]).toBeNull();
    expect(storageLists() - before).toBe(0);
  });

  it('places VMs on hosts through their storage when the plain list names no host', async () => {
    const withHosts = await listRows(await open({ dsmVersion: 6 }));
    const h = await open({ dsmVersion: 6, guestHostFields: false });
    expect(await listRows(h)).toEqual(withHosts);
    expect(withHosts.every((row) => typeof row[4] === 'string')).toBe(true);
    expect(await listRows(h, { name: 'web' })).toEqual(withHosts.filter((row) => String(row[0]).includes('web')));
  });

  it('a name filter, which reads only the names before parsing a guest, keeps exactly the rows the whole list has for it', async () => {
    const h = await open();
    // Names the JSON answer has to escape, and one that matches only once its case is folded.
    const [first, second] = [...h.sim.state.vms.values()];
    h.sim.state.renameVm(first!, 'web "blue" \\ tab\there');
    h.sim.state.renameVm(second!, 'Café-Ünïcode');
    const all = await listRows(h);
    for (const filter of ['web', '"blue"', '\\', 'CAFÉ', 'café-ü*', 'nothing-matches']) {
      const matches = nameMatcher(filter);
      expect(await listRows(h, { name: filter }), filter).toEqual(all.filter((row) => matches(String(row[0]))));
    }
    expect((await listRows(h, { name: 'CAFÉ' })).map((row) => row[0])).toEqual(['Café-Ünïcode']);
  });
});
