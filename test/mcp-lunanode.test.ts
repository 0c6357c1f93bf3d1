import { afterEach, describe, expect, it } from 'vitest';
import { errorText, structured } from './mcp-harness.js';
import { type MixedHarness, startMixedHarness } from './lunanode-harness.js';

/** The agent's jobs over MCP on a server with a Synology target (nas, the default) and a LunaNode target (luna). */

let h: MixedHarness;
afterEach(async () => {
  await h.close();
});

interface VmTable {
  columns: string[];
  vms: Array<Array<string | number | null>>;
}

describe('a Synology and a LunaNode target behind the same tools', () => {
  it('lists every tool some target can do, with target on each', async () => {
    h = await startMixedHarness();
    const { tools } = await h.client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['reboot', 'get_image', 'update_image', 'copy_image', 'list_tasks', 'create_vm']));
    expect(names.length).toBeLessThanOrEqual(24);
    const reboot = tools.find((tool) => tool.name === 'reboot');
    expect(reboot?.inputSchema.properties?.target).toMatchObject({ enum: ['nas', 'luna'] });
  });

  it('lists, provisions from an image on the cheapest fitting plan, power-cycles, renames and deletes with confirmation on LunaNode', async () => {
    h = await startMixedHarness();
    const listed = structured<VmTable>(await h.call('list_vms', { target: 'luna' }));
    expect(listed.vms.map((row) => [row[0], row[1], row[4]])).toEqual([
      ['web-1', 'running', 'toronto'],
      ['db-1', 'running', 'toronto'],
      ['build-box', 'stopped', 'toronto'],
    ]);
    const images = structured<{ images: Array<{ id: string; name: string; region?: string; status?: string }> }>(await h.call('list_images', { target: 'luna', limit: 200 }));
    const ubuntu = images.images.find((image) => image.name.startsWith('Ubuntu') && image.region === 'toronto');
    expect(ubuntu?.status).toBe('available');

    const created = structured<{ status: string; plan?: string; vm?: { id: string; status: string }; message: string }>(
      await h.call('create_vm_from_image', { target: 'luna', name: 'agent-vm', image: ubuntu?.id, vcpus: 1, ram_mb: 1024, power_on: true, timeout_s: 60 }),
    );
    expect(created).toMatchObject({ status: 'done', vm: { status: 'running' } });
    expect(created.plan).toMatch(/^s\.1 /);
    expect(created.message).toContain('on plan s.1');

    expect(structured<{ status: string }>(await h.call('shutdown', { target: 'luna', vm: 'agent-vm', wait: true, timeout_s: 30 })).status).toBe('done');
    const rebootStopped = errorText(await h.call('reboot', { target: 'luna', vm: 'agent-vm' }));
    expect(rebootStopped).toContain('VM agent-vm is stopped, so there is nothing to reboot');
    expect(structured<{ status: string }>(await h.call('power_on', { target: 'luna', vm: 'agent-vm', wait: true, timeout_s: 30 })).status).toBe('done');
    expect(structured<{ status: string }>(await h.call('power_on', { target: 'luna', vm: 'agent-vm' })).status).toBe('already');
    expect(structured<{ status: string }>(await h.call('reboot', { target: 'luna', vm: 'agent-vm', wait: true, timeout_s: 30 })).status).toBe('done');

    const renamed = structured<{ vm: { name: string } }>(await h.call('update_vm', { target: 'luna', vm: 'agent-vm', new_name: 'agent-vm-2' }));
    expect(renamed.vm.name).toBe('agent-vm-2');
    expect(errorText(await h.call('update_vm', { target: 'luna', vm: 'agent-vm-2', description: 'x' }))).toContain('LunaNode can rename a VM here, not change its description');

    expect(structured<{ status: string }>(await h.call('shutdown', { target: 'luna', vm: 'agent-vm-2', wait: true, timeout_s: 30 })).status).toBe('done');
    const asked = structured<{ status: string; confirm_token: string }>(await h.call('delete_vm', { target: 'luna', vm: 'agent-vm-2' }));
    expect(asked.status).toBe('confirmation_required');
    expect(h.luna.state.vms.size).toBe(4);
    const deleted = structured<{ status: string }>(await h.call('delete_vm', { target: 'luna', vm: 'agent-vm-2', confirm_token: asked.confirm_token }));
    expect(deleted.status).toBe('deleted');
    expect([...h.luna.state.vms.values()].map((vm) => vm.name)).not.toContain('agent-vm-2');
    expect(h.auditEntries().filter((entry) => entry.target === 'luna' && entry.outcome !== 'started').map((entry) => `${String(entry.tool)} ${String(entry.outcome)}`)).toEqual([
      'create_vm_from_image ok',
      'shutdown ok',
      'reboot error',
      'power_on ok',
      'power_on ok',
      'reboot ok',
      'update_vm ok',
      'update_vm error',
      'shutdown ok',
      'delete_vm confirmation_required',
      'delete_vm ok',
    ]);
  });

  it('imports an image from a URL, waits with progress until it is available, renames and copies it to another region', async () => {
    h = await startMixedHarness();
    const progress: string[] = [];
    const imported = structured<{ status: string; image: { id: string; status: string; region: string } }>(
      await h.call('create_image', { target: 'luna', name: 'alpine', url: 'https://example.com/alpine.qcow2', format: 'qcow2', wait: true }, (p) =>
        progress.push(p.message ?? ''),
      ),
    );
    expect(imported).toMatchObject({ status: 'done', image: { status: 'available', region: 'toronto' } });
    expect(progress.some((message) => /pending/.test(message))).toBe(true);

    const renamed = structured<{ image: { name: string } }>(await h.call('update_image', { target: 'luna', image: imported.image.id, new_name: 'alpine-3' }));
    expect(renamed.image.name).toBe('alpine-3');
    const copied = structured<{ status: string; image: { region: string; name: string } }>(
      await h.call('copy_image', { target: 'luna', image: 'alpine-3', destination: 'montreal', wait: true, timeout_s: 60 }),
    );
    expect(copied).toMatchObject({ status: 'done', image: { region: 'montreal', name: 'alpine-3' } });

    const broken = structured<{ status: string; message: string }>(
      await h.call('create_image', { target: 'luna', name: 'broken', url: 'https://mirror.invalid/x.iso', format: 'iso', wait: true }),
    );
    expect(broken.status).toBe('failed');
    expect(broken.message).toContain('ended failed');
  });

  it('answers a tool a target cannot do with the targets that can, both ways', async () => {
    h = await startMixedHarness();
    const onNas = errorText(await h.call('copy_image', { image: 'ubuntu-22.04', destination: 'montreal' }));
    expect(onNas).toContain('copy_image is not available on target nas');
    expect(onNas).toContain('targets that can: luna');
    const onLuna = errorText(await h.call('list_tasks', { target: 'luna' }));
    expect(onLuna).toContain('list_tasks is not available on target luna: LunaNode, which offers no reading background tasks');
    expect(onLuna).toContain('targets that can: nas');
    expect(errorText(await h.call('get_vm', { target: 'luna', vm: 'no-such-vm' }))).toContain('No VM has the id or name "no-such-vm"');
  });

  it("quotes LunaNode's refusal and says what to do next", async () => {
    h = await startMixedHarness();
    const debian = [...h.luna.state.images.values()].find((image) => image.name.startsWith('Debian') && image.region === 'toronto');
    const text = errorText(await h.call('copy_image', { target: 'luna', image: debian?.image_id, destination: 'paris' }));
    expect(text).toContain('LunaNode refused image/replicate/: "invalid region"');
    expect(text).toContain('pass region as toronto, montreal or roubaix');
    const ambiguous = errorText(await h.call('get_image', { target: 'luna', image: 'Debian 12 64-bit' }));
    expect(ambiguous).toMatch(/3 images are named "Debian 12 64-bit": .*\(id \d+, region toronto\).*region montreal.*region roubaix/);
  });

  it('keeps a read-only LunaNode target to reads, and refuses protected VMs there', async () => {
    h = await startMixedHarness({ luna: { readOnly: true } });
    expect(structured<VmTable>(await h.call('list_vms', { target: 'luna' })).vms).toHaveLength(3);
    expect(errorText(await h.call('power_on', { target: 'luna', vm: 'build-box' }))).toContain('target luna is read-only');
    await h.close();
    h = await startMixedHarness({ luna: { protect: ['web-*'] } });
    expect(errorText(await h.call('shutdown', { target: 'luna', vm: 'web-1' }))).toMatch(/protected/);
    expect(h.luna.requests.some((request) => request.endpoint === 'vm/stop/')).toBe(false);
    expect(structured<{ status: string }>(await h.call('power_on', { target: 'luna', vm: 'build-box' })).status).toMatch(/requested|done/);
  });

  it('never shows the API key, the partial key, a signature or a VM login password', async () => {
    h = await startMixedHarness();
    const results = [
      await h.call('get_vm', { target: 'luna', vm: 'web-1' }),
      await h.call('list_targets'),
      await h.call('list_hosts', { target: 'luna' }),
    ];
    const said = JSON.stringify(results) + h.logLines.join('\n');
    for (const vm of h.luna.state.vms.values()) expect(said).not.toContain(vm.password);
    expect(said).not.toContain('login_details');
    expect(structured<{ hosts: Array<{ id: string }> }>(results[2] as never).hosts.map((host) => host.id)).toEqual(['toronto', 'montreal', 'roubaix']);
  });
});
