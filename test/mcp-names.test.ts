import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, structured, type Harness } from './mcp-harness.js';

/**
 * The guide escapes commas and backslashes only inside multi-value parameters; a name is one value.
 * Names holding both must reach DSM as they are and come back unchanged from every write.
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const VM = 'web, east\\1';
const RENAMED = 'db\\\\2, west,';
const IMAGE = 'golden, v2\\final';
const COPY = 'copy, of\\web';

interface Brief { id: string; name: string; status: string }

describe('names with commas and backslashes', () => {
  it('round-trip through every write on the official API', async () => {
    const h = (harness = await startHarness({ policy: { destructive: 'allow' } }));
    const created = structured<{ vm: Brief }>(
      await h.call('create_vm', { name: VM, storage: 'nas-01 - VM Storage 1', disks: [{ size_gb: 1 }], networks: ['Default VM Network'], wait: true }),
    );
    expect(created.vm.name).toBe(VM);
    expect(h.sim.state.vmNamed(VM)).toBeDefined();
    structured(await h.call('update_vm', { vm: VM, new_name: RENAMED, description: 'a, b\\c', vcpus: 2 }));
    expect(h.sim.state.vmNamed(RENAMED)).toMatchObject({ description: 'a, b\\c', vcpus: 2 });
    expect(structured<{ vm: { name: string; description: string } }>(await h.call('get_vm', { vm: RENAMED })).vm).toMatchObject({ name: RENAMED, description: 'a, b\\c' });
    structured(await h.call('power_on', { vm: RENAMED, wait: true }));
    structured(await h.call('shutdown', { vm: RENAMED, wait: true }));
    expect(h.sim.state.vmNamed(RENAMED)?.status).toBe('shutdown');
    const image = structured<{ task: { task_id: string } }>(
      await h.call('create_image', { name: IMAGE, ds_file_path: '/volume1/images/a,b\\c.img', type: 'disk', storages: ['nas-01 - VM Storage 1'] }),
    );
    structured(await h.call('wait_task', { task_id: image.task.task_id }));
    expect([...h.sim.state.images.values()].map((item) => item.name)).toContain(IMAGE);
    const fromImage = structured<{ vm: Brief }>(
      await h.call('create_vm_from_image', { name: COPY, image: IMAGE, storage: 'nas-01 - VM Storage 1', network: 'Lab Network' }),
    );
    expect(fromImage.vm.name).toBe(COPY);
    const names = structured<{ vms: Array<[string]> }>(await h.call('list_vms', { limit: 200 })).vms.map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining([RENAMED, COPY]));
    structured(await h.call('delete_vm', { vm: COPY }));
    structured(await h.call('delete_image', { image: IMAGE }));
    expect(h.sim.state.vmNamed(COPY)).toBeUndefined();
    expect([...h.sim.state.images.values()].map((item) => item.name)).not.toContain(IMAGE);
    const sentNames = h.sim.stats.requests.flatMap((request) => [request.params.guest_name, request.params.new_guest_name, request.params.image_name]);
    expect(sentNames.filter((name) => name?.includes('\\,'))).toEqual([]);
  });

  it('round-trip through rename and description in the internal DSM 7 dialect, and through an image made from a VM in the compact one', async () => {
    const h = (harness = await startHarness({ simulator: { style: 'internal' } }));
    structured(await h.call('update_vm', { vm: 'win10', new_name: RENAMED, description: 'x, y\\z' }));
    expect(h.sim.state.vmNamed(RENAMED)?.description).toBe('x, y\\z');
    await h.close();
    const seeds = (harness = await startHarness({ simulator: { style: 'compact' } }));
    const task = structured<{ task: { task_id: string } }>(await seeds.call('create_image', { name: IMAGE, vm: 'win10' })).task;
    structured(await seeds.call('wait_task', { task_id: task.task_id }));
    expect([...seeds.sim.state.images.values()].map((item) => item.name)).toContain(IMAGE);
  });
});
