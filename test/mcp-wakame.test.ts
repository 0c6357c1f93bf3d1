import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT } from '../src/providers/wakame/simulator/index.js';
import { errorText, structured, textOf } from './mcp-harness.js';
import { startProvidersHarness, type ProvidersHarness } from './providers-harness.js';

/**
 * The agent jobs on a Wakame-VDC target, through the SDK client, on a server that also has a Synology
 * and a LunaNode target: list, provision from an image, power cycle, rename, image from a VM with a
 * wait, image rename/copy, deletes with confirmation; read-only and protect on the Wakame target;
 * nothing of the other targets changes.
 */

interface ListVms { columns: string[]; vms: unknown[][]; total: number }
interface Confirmation { status: 'confirmation_required'; confirm_token: string; preview: { target: string; consequence: string } }

let h: ProvidersHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

function rows(page: ListVms): Array<Record<string, unknown>> {
  return page.vms.map((row) => Object.fromEntries(page.columns.map((column, index) => [column, row[index]])));
}

async function vmsOf(harness: ProvidersHarness): Promise<Array<Record<string, unknown>>> {
  return rows(structured<ListVms>(await harness.call('list_vms', { target: 'vdc' })));
}

describe('Wakame-VDC through MCP', () => {
  it('lists the account\'s instances with neutral statuses, beside the NAS\'s VMs', async () => {
    h = await startProvidersHarness();
    const vms = await vmsOf(h);
    expect(vms.map((vm) => [vm.name, vm.status]).sort()).toEqual([['batch-1', 'stopped'], ['db-1', 'running'], ['legacy-1', 'stopped'], ['web-1', 'running']]);
    const nas = rows(structured<ListVms>(await h.call('list_vms', { target: 'nas' })));
    expect(nas.length).toBeGreaterThan(0);
    expect(nas.map((vm) => vm.name)).not.toContain('web-1');
    expect(h.sims.vdc.stats.requests.every((request) => request.account === DEMO_ACCOUNT)).toBe(true);
    expect(h.sims.luna.requests).toEqual([]);
  });

  it('provisions a VM from a public image and waits until it runs', async () => {
    h = await startProvidersHarness();
    const answer = structured<Record<string, any>>(
      await h.call('create_vm_from_image', { target: 'vdc', name: 'api-1', image: 'ubuntu-24.04-server', vcpus: 2, ram_mb: 2048, power_on: true, timeout_s: 30 }),
    );
    expect(JSON.stringify(answer)).toContain('api-1');
    expect((await vmsOf(h)).find((vm) => vm.name === 'api-1')).toMatchObject({ status: 'running' });
    const created = [...h.sims.vdc.state.instances.values()].find((instance) => instance.displayName === 'api-1');
    expect(created).toMatchObject({ cpuCores: 2, memoryMb: 2048, hypervisor: 'kvm', accountId: DEMO_ACCOUNT });
  });

  it('power cycles: shutdown, power_on, reboot, and says so when the state does not allow an action', async () => {
    h = await startProvidersHarness();
    structured(await h.call('shutdown', { target: 'vdc', vm: 'web-1', wait: true, timeout_s: 30 }));
    expect((await vmsOf(h)).find((vm) => vm.name === 'web-1')?.status).toBe('stopped');
    structured(await h.call('power_on', { target: 'vdc', vm: 'web-1', wait: true, timeout_s: 30 }));
    expect((await vmsOf(h)).find((vm) => vm.name === 'web-1')?.status).toBe('running');
    structured(await h.call('reboot', { target: 'vdc', vm: 'web-1' }));
    expect([...h.sims.vdc.state.instances.values()].find((instance) => instance.displayName === 'web-1')?.reboots).toBe(1);
    const halted = errorText(await h.call('reboot', { target: 'vdc', vm: 'batch-1' }));
    expect(halted).toMatch(/stopped, so there is nothing to reboot/);
    const already = structured<Record<string, unknown>>(await h.call('power_on', { target: 'vdc', vm: 'db-1' }));
    expect(JSON.stringify(already)).toMatch(/already/);
  });

  it('renames a VM, and refuses sizes Wakame-VDC cannot change', async () => {
    h = await startProvidersHarness();
    structured(await h.call('update_vm', { target: 'vdc', vm: 'web-1', new_name: 'web-01' }));
    expect((await vmsOf(h)).map((vm) => vm.name)).toContain('web-01');
    expect(errorText(await h.call('update_vm', { target: 'vdc', vm: 'legacy-1', vcpus: 8 }))).toMatch(/Wakame-VDC cannot change vcpus/);
  });

  it('makes an image of a halted VM and waits until dcmgr made it available', async () => {
    h = await startProvidersHarness();
    const running = errorText(await h.call('create_image', { target: 'vdc', name: 'snap', vm: 'web-1' }));
    expect(running).toMatch(/power it off first/);
    const answer = structured<{ status: string; image: { name: string; status: string } }>(
      await h.call('create_image', { target: 'vdc', name: 'batch-golden', vm: 'batch-1', wait: true }),
    );
    expect(answer).toMatchObject({ status: 'done', image: { name: 'batch-golden', status: 'available' } });
    const listed = structured<{ images: Array<{ name: string; status?: string }> }>(await h.call('list_images', { target: 'vdc' }));
    expect(listed.images.map((image) => image.name).sort()).toEqual(['batch-golden', 'centos-7-minimal', 'debian-12-app', 'ubuntu-24.04-server']);
  });

  it('sends progress notifications while waiting for a new image', async () => {
    h = await startProvidersHarness();
    const progress: string[] = [];
    const result = await h.client.callTool(
      { name: 'create_image', arguments: { target: 'vdc', name: 'batch-golden', vm: 'batch-1', wait: true } },
      undefined,
      { onprogress: (note) => progress.push(note.message ?? '') },
    );
    expect(structured<{ status: string }>(result as CallToolResult).status).toBe('done');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatch(/batch-golden: available/);
  });

  it('renames and copies its own image; a public image of another account is refused', async () => {
    h = await startProvidersHarness();
    structured(await h.call('update_image', { target: 'vdc', image: 'debian-12-app', new_name: 'debian-12-app-v2', description: 'rebuilt' }));
    const image = structured<{ image: { name: string } }>(await h.call('get_image', { target: 'vdc', image: 'debian-12-app-v2' }));
    expect(image.image.name).toBe('debian-12-app-v2');
    const copy = structured<{ status: string }>(await h.call('copy_image', { target: 'vdc', image: 'debian-12-app-v2', destination: 'bkst-remote' }));
    expect(copy.status).toBe('started');
    expect(h.sims.vdc.state.jobs.map((job) => job.destination)).toEqual(['bkst-remote']);
    expect(errorText(await h.call('update_image', { target: 'vdc', image: 'ubuntu-24.04-server', new_name: 'mine' }))).toMatch(/belongs to account a-shpoolxx/);
  });

  it('deletes a VM and an image only after confirmation; the image preview says dcmgr keeps the record', async () => {
    h = await startProvidersHarness();
    const first = structured<Confirmation>(await h.call('delete_vm', { target: 'vdc', vm: 'legacy-1' }));
    expect(first.status).toBe('confirmation_required');
    expect(first.preview.target).toBe('vdc');
    expect((await vmsOf(h)).map((vm) => vm.name)).toContain('legacy-1');
    structured(await h.call('delete_vm', { target: 'vdc', vm: 'legacy-1', confirm_token: first.confirm_token }));
    expect((await vmsOf(h)).map((vm) => vm.name)).not.toContain('legacy-1');

    const image = structured<Confirmation>(await h.call('delete_image', { target: 'vdc', image: 'debian-12-app' }));
    expect(image.preview.consequence).toMatch(/soft delete: dcmgr keeps the record with state deleted/);
    structured(await h.call('delete_image', { target: 'vdc', image: 'debian-12-app', confirm_token: image.confirm_token }));
    expect([...h.sims.vdc.state.images.values()].find((each) => each.displayName === 'debian-12-app')?.state).toBe('deleted');
    // The audit log also notes when a confirmed call starts; the outcomes are what matter here.
    const outcomes = h.auditEntries()
      .filter((entry) => entry.target === 'vdc' && (entry.outcome === 'confirmation_required' || entry.outcome === 'ok'))
      .map((entry) => [entry.tool, entry.outcome]);
    expect(outcomes).toEqual([['delete_vm', 'confirmation_required'], ['delete_vm', 'ok'], ['delete_image', 'confirmation_required'], ['delete_image', 'ok']]);
  });

  it('a dcmgr error reaches the agent as an isError text with the code, its meaning and the next step', async () => {
    h = await startProvidersHarness();
    const text = errorText(await h.call('get_vm', { target: 'vdc', vm: 'i-zzzzzzzz' }));
    expect(text).toMatch(/i-zzzzzzzz/);
    h.sims.vdc.state.accounts.get(DEMO_ACCOUNT)!.disabled = true;
    const disabled = errorText(await h.call('list_vms', { target: 'vdc' }));
    expect(disabled).toMatch(/error 104 \(DisabledAccount: The account is disabled in Wakame-VDC\.\)/);
    expect(disabled).toMatch(/Next: Ask the Wakame-VDC administrator to enable the account/);
  });
});

describe('three providers behind one server', () => {
  it('lists every target with its API style, and the VMs of each', async () => {
    h = await startProvidersHarness();
    const targets = structured<{ targets: Array<{ name: string; reachable: boolean; api_style?: string }> }>(await h.call('list_targets'));
    expect(targets.targets.map((target) => [target.name, target.reachable, target.api_style])).toEqual([
      ['nas', true, 'dsm-official'], ['luna', true, expect.any(String)], ['vdc', true, 'wakame-dcmgr-12.03'],
    ]);
    for (const target of ['nas', 'luna', 'vdc']) {
      const page = structured<ListVms>(await h.call('list_vms', { target }));
      expect(page.total, target).toBeGreaterThan(0);
    }
  });

  it('show_dashboard has the Wakame-VDC target with its VMs, no hosts or storages, and the copy jobs this server queued as its tasks', async () => {
    h = await startProvidersHarness();
    type Dashboard = { targets: Array<{ name: string; vms_total: number; hosts: unknown[]; storages: unknown[]; tasks: Array<{ task_id: string }>; error?: string }> };
    const vdcOf = async (harness: ProvidersHarness) => structured<Dashboard>(await harness.call('show_dashboard')).targets.find((target) => target.name === 'vdc');
    const before = await vdcOf(h);
    expect(before).toMatchObject({ vms_total: 4, hosts: [], storages: [], tasks: [] });
    expect(before?.error).toBeUndefined();
    const copy = structured<{ job: { id: string } }>(await h.call('copy_image', { target: 'vdc', image: 'debian-12-app', destination: 'bkst-remote' }));
    expect((await vdcOf(h))?.tasks.map((task) => task.task_id)).toEqual([copy.job.id]);
  });

  it('a tool one target cannot do names the targets that can', async () => {
    h = await startProvidersHarness();
    const text = errorText(await h.call('list_storages', { target: 'vdc' }));
    expect(text).toMatch(/Wakame-VDC/);
    expect(text).toMatch(/nas/);
    const copy = errorText(await h.call('copy_image', { target: 'nas', image: 'ubuntu-22.04', destination: 'elsewhere' }));
    expect(copy).toMatch(/copy_image is not available on target nas/);
    expect(copy).toMatch(/vdc/);
  });
});

describe('Wakame-VDC safety through MCP', () => {
  it('read-only on the Wakame target refuses its writes and leaves the NAS writable', async () => {
    h = await startProvidersHarness({ vdc: { readOnly: true } });
    expect(errorText(await h.call('shutdown', { target: 'vdc', vm: 'web-1' }))).toMatch(/read-only/);
    expect(h.sims.vdc.stats.requests.filter((request) => request.method !== 'GET')).toEqual([]);
    expect(textOf(await h.call('list_vms', { target: 'vdc' }))).toContain('web-1');
    const nas = rows(structured<ListVms>(await h.call('list_vms', { target: 'nas' })));
    const stopped = nas.find((vm) => vm.status === 'stopped');
    expect(stopped).toBeDefined();
    structured(await h.call('power_on', { target: 'nas', vm: String(stopped?.name) }));
  });

  it('protect on the Wakame target refuses every change to a matching VM', async () => {
    h = await startProvidersHarness({ vdc: { protect: ['web-*'] } });
    for (const [tool, args] of [
      ['shutdown', {}],
      ['reboot', {}],
      ['update_vm', { new_name: 'renamed' }],
      ['power_off', {}],
      ['delete_vm', {}],
    ] as const) {
      expect(errorText(await h.call(tool, { target: 'vdc', vm: 'web-1', ...args })), tool).toMatch(/protected/);
    }
    expect(h.sims.vdc.stats.requests.filter((request) => request.method !== 'GET')).toEqual([]);
    structured(await h.call('shutdown', { target: 'vdc', vm: 'db-1' }));
  });
});
