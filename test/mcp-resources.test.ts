import { LoggingMessageNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, structured, type Harness, type HarnessOptions } from './mcp-harness.js';

let harness: Harness | undefined;

async function open(options: HarnessOptions = {}): Promise<Harness> {
  harness = await startHarness(options);
  return harness;
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function readJson(h: Harness, uri: string): Promise<Record<string, unknown>> {
  const { contents } = await h.client.readResource({ uri });
  expect(contents).toHaveLength(1);
  const [content] = contents;
  expect(content?.mimeType).toBe('application/json');
  expect(content?.uri).toBe(uri);
  return JSON.parse(String(content && 'text' in content ? content.text : '')) as Record<string, unknown>;
}

describe('resources', () => {
  it('offers the inventory as JSON resources', async () => {
    const h = await open();
    const { resources } = await h.client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual(
      expect.arrayContaining(['vmm://hosts', 'vmm://storages', 'vmm://networks', 'vmm://images', 'vmm://vms']),
    );
    const hosts = (await readJson(h, 'vmm://hosts')).hosts as Array<{ name: string }>;
    expect(hosts.map((host) => host.name)).toEqual(['nas-01', 'nas-02']);
    const storages = (await readJson(h, 'vmm://storages')).storages as Array<{ free_gb: number }>;
    expect(storages[0]?.free_gb).toBeGreaterThan(0);
    const networks = (await readJson(h, 'vmm://networks')).networks as Array<{ name: string }>;
    expect(networks.map((network) => network.name)).toContain('Lab Network');
    const images = await readJson(h, 'vmm://images');
    expect(images.total).toBe(3);
  });

  it('gives the first page of VMs in vmm://vms, with the total, however many exist', async () => {
    const h = await open({ simulator: { inventory: { vms: 500 } } });
    const vms = await readJson(h, 'vmm://vms');
    expect(vms).toMatchObject({ total: 500, limit: 50, offset: 0, next_offset: 50 });
    expect(vms.vms).toHaveLength(50);
  });

  it('reads one VM through the vmm://vms/{vm} template, by name with spaces or by id', async () => {
    const h = await open();
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toContain('vmm://vms/{vm}');
    const byName = (await readJson(h, `vmm://vms/${encodeURIComponent('ci runner (old)')}`)).vm as { id: string; disks: Array<{ size_gb: number }> };
    expect(byName.disks).toEqual([expect.objectContaining({ size_gb: 30 })]);
    const byId = (await readJson(h, `vmm://vms/${byName.id}`)).vm as { name: string };
    expect(byId.name).toBe('ci runner (old)');
  });

  it('lists VMs as template resources, bounded whatever the cluster size', async () => {
    const h = await open({ simulator: { inventory: { vms: 300 } } });
    const { resources } = await h.client.listResources();
    const vmResources = resources.filter((resource) => resource.uri.startsWith('vmm://vms/'));
    expect(vmResources).toHaveLength(100);
    expect(vmResources[0]).toMatchObject({ uri: 'vmm://vms/vm-00001', name: 'vm-00001', mimeType: 'application/json' });
  });

  it('completes VM names by prefix, at most 50', async () => {
    const h = await open({ simulator: { inventory: { vms: 300 } } });
    const complete = async (value: string): Promise<string[]> =>
      (await h.client.complete({ ref: { type: 'ref/resource', uri: 'vmm://vms/{vm}' }, argument: { name: 'vm', value } })).completion.values;
    const many = await complete('vm-001');
    expect(many).toHaveLength(50);
    expect(many.every((name) => name.startsWith('vm-001'))).toBe(true);
    expect(await complete('vm-0029')).toEqual(['vm-00290', 'vm-00291', 'vm-00292', 'vm-00293', 'vm-00294', 'vm-00295', 'vm-00296', 'vm-00297', 'vm-00298', 'vm-00299']);
    expect(await complete('zzz')).toEqual([]);
  });

  it('answers a missing VM with a resource-not-found error that says what to do', async () => {
    const h = await open();
    await expect(h.client.readResource({ uri: 'vmm://vms/no-such-vm' })).rejects.toThrow(/-32002.*no-such-vm.*list_vms/s);
  });
});

describe('prompts', () => {
  it('offers provisioning and start diagnosis prompts that walk through the right tools', async () => {
    const h = await open();
    const { prompts } = await h.client.listPrompts();
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual(['diagnose_vm_start', 'provision_vm_from_image']);
    const provision = await h.client.getPrompt({ name: 'provision_vm_from_image', arguments: { name: 'app-9', image: 'debian-12-cloud', network: 'Lab Network' } });
    const provisionText = provision.messages.map((message) => (message.content.type === 'text' ? message.content.text : '')).join('\n');
    for (const tool of ['list_hosts', 'create_vm_from_image', 'get_vm']) expect(provisionText).toContain(tool);
    expect(provisionText).toContain('"network":"Lab Network"');
    const diagnose = await h.client.getPrompt({ name: 'diagnose_vm_start', arguments: { vm: 'win10' } });
    const diagnoseText = diagnose.messages.map((message) => (message.content.type === 'text' ? message.content.text : '')).join('\n');
    for (const tool of ['get_vm', 'list_hosts', 'list_storages', 'power_on']) expect(diagnoseText).toContain(tool);
    expect(diagnoseText).toContain('903');
  });

  it('completes prompt arguments from the cluster: disk images, storages, networks and VMs', async () => {
    const h = await open();
    const complete = async (prompt: string, name: string, value: string): Promise<string[]> =>
      (await h.client.complete({ ref: { type: 'ref/prompt', name: prompt }, argument: { name, value } })).completion.values;
    expect(await complete('provision_vm_from_image', 'image', 'ub')).toEqual(['ubuntu-24.04-cloud']);
    expect(await complete('provision_vm_from_image', 'storage', 'nas-02')).toEqual(['nas-02 - VM Storage 1']);
    expect(await complete('provision_vm_from_image', 'network', 'la')).toEqual(['Lab Network']);
    expect(await complete('diagnose_vm_start', 'vm', 'WEB')).toEqual(['web-01']);
  });
});

describe('logging', () => {
  it('forwards log lines to the client only after it set a level, and only at or above that level', async () => {
    const h = await open();
    const received: LoggingMessageNotification['params'][] = [];
    h.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      received.push(notification.params);
    });
    structured(await h.call('power_on', { vm: 'win10' }));
    expect(received).toEqual([]);
    await h.client.setLoggingLevel('info');
    structured(await h.call('shutdown', { vm: 'win10' }));
    const audit = received.find((params) => JSON.stringify(params.data).includes('audit: shutdown on nas ok'));
    expect(audit).toMatchObject({ level: 'info', logger: 'vmm-mcp' });
    expect(received.some((params) => params.level === 'debug')).toBe(false);
    await h.client.setLoggingLevel('error');
    const before = received.length;
    structured(await h.call('power_on', { vm: 'win10' }));
    expect(received).toHaveLength(before);
  });
});

describe('server identity', () => {
  it('introduces itself as vmm-mcp with the package version and usage instructions', async () => {
    const h = await open();
    expect(h.client.getServerVersion()).toMatchObject({ name: 'vmm-mcp', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const instructions = h.client.getInstructions() ?? '';
    expect(instructions).toContain('confirm_token');
    expect(instructions).toContain('id or an exact name');
    expect(h.client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {}, logging: {}, completions: {} });
  });
});
