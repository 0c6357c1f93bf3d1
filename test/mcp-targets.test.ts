import { afterEach, describe, expect, it } from 'vitest';
import { errorText, startHarness, structured, type Harness } from './mcp-harness.js';

/**
 * Several NAS targets behind one server: two simulators, the first the default. Every target-scoped tool
 * takes `target`; list_targets reports each one's policy and whether it answers; resources and prompts
 * reach every target too. One target down breaks nothing on the other.
 */

interface TargetView {
  name: string;
  default: boolean;
  read_only: boolean;
  destructive: string;
  protect: string[];
  reachable: boolean;
  api_style?: string;
  error?: string;
}
interface ListVms { columns: string[]; vms: Array<[string, string, number, number, string | null]>; total: number }

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** "main": the demo inventory, official API style. "lab": 20 generated VMs, compact style, read-only, prod-* protected. */
async function twoTargets(): Promise<Harness> {
  harness = await startHarness({
    targets: [
      { name: 'main' },
      { name: 'lab', policy: { readOnly: true, protect: ['prod-*'] }, simulator: { style: 'compact', inventory: { vms: 20 } } },
    ],
  });
  return harness;
}

async function listTargets(h: Harness): Promise<TargetView[]> {
  return structured<{ targets: TargetView[] }>(await h.call('list_targets')).targets;
}

function names(page: ListVms): string[] {
  return page.vms.map(([name]) => name);
}

describe('list_targets', () => {
  it('shows every target with its policy, API style and reachability, the first as the default', async () => {
    const h = await twoTargets();
    expect(await listTargets(h)).toEqual([
      { name: 'main', default: true, read_only: false, destructive: 'confirm', protect: [], reachable: true, api_style: 'dsm-official' },
      { name: 'lab', default: false, read_only: true, destructive: 'confirm', protect: ['prod-*'], reachable: true, api_style: 'dsm-compact' },
    ]);
  });

  it('reports a target that went down as unreachable with the reason, while the other keeps working', async () => {
    const h = await twoTargets();
    expect((await listTargets(h)).map((target) => target.reachable)).toEqual([true, true]);
    await h.sims.get('lab')?.close();

    const [main, lab] = await listTargets(h);
    expect(main).toMatchObject({ name: 'main', reachable: true });
    expect(lab).toMatchObject({ name: 'lab', reachable: false });
    expect(lab?.error).toMatch(/no answer from DSM/);
    expect(lab?.api_style).toBeUndefined();
    expect(names(structured<ListVms>(await h.call('list_vms', { target: 'main' })))).toContain('web-01');
    expect(errorText(await h.call('list_vms', { target: 'lab' }))).toMatch(/list_vms failed/);
  });

  it('takes no target argument itself, and is listed with one target too', async () => {
    const h = await twoTargets();
    const { tools } = await h.client.listTools();
    const tool = tools.find((candidate) => candidate.name === 'list_targets');
    expect(tool?.inputSchema.properties).toEqual({});
    expect(errorText(await h.call('list_targets', { target: 'lab' }))).toContain('Unrecognized key: "target"');
  });
});

describe('the target argument', () => {
  it('is listed on target-scoped tools as the list of target names', async () => {
    const h = await twoTargets();
    const { tools } = await h.client.listTools();
    const listVms = tools.find((tool) => tool.name === 'list_vms');
    expect(listVms?.inputSchema.properties?.target).toMatchObject({ type: 'string', enum: ['main', 'lab'] });
    expect(String((listVms?.inputSchema.properties?.target as { description?: string }).description)).toContain('main');
  });

  it('runs list_vms on the named target, and on the first without one', async () => {
    const h = await twoTargets();
    const main = structured<ListVms>(await h.call('list_vms', { target: 'main' }));
    const lab = structured<ListVms>(await h.call('list_vms', { target: 'lab' }));
    const byDefault = structured<ListVms>(await h.call('list_vms', {}));
    expect(names(main)).toContain('web-01');
    expect(lab.total).toBe(20);
    expect(names(lab).every((name) => /^vm-\d{5}$/.test(name))).toBe(true);
    expect(byDefault).toEqual(main);
  });

  it('refuses an unknown target with the names it could be', async () => {
    const h = await twoTargets();
    const text = errorText(await h.call('get_vm', { target: 'nas9', vm: 'web-01' }));
    expect(text).toContain('No target is named "nas9"');
    expect(text).toMatch(/main, lab/);
  });
});

describe('resources on several targets', () => {
  it('keeps the plain URIs for the default target and lists every target\'s inventory under vmm://targets/', async () => {
    const h = await twoTargets();
    const uris = (await h.client.listResources()).resources.map((resource) => resource.uri);
    expect(uris).toEqual(expect.arrayContaining(['vmm://vms', 'vmm://targets/main/hosts', 'vmm://targets/lab/vms', 'vmm://targets/lab/images']));
    const templates = (await h.client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
    expect(templates).toEqual(expect.arrayContaining(['vmm://vms/{vm}', 'vmm://targets/{target}/{inventory}', 'vmm://targets/{target}/vms/{vm}']));
  });

  it('reads a target\'s VM list and one of its VMs, and answers an unknown target with the names', async () => {
    const h = await twoTargets();
    const read = async (uri: string): Promise<Record<string, unknown>> => {
      const [content] = (await h.client.readResource({ uri })).contents;
      return JSON.parse(String(content && 'text' in content ? content.text : '')) as Record<string, unknown>;
    };
    const lab = (await read('vmm://targets/lab/vms')) as unknown as ListVms;
    expect(lab.total).toBe(20);
    expect(names((await read('vmm://vms')) as unknown as ListVms)).toContain('web-01');
    const vm = (await read('vmm://targets/lab/vms/vm-00003')).vm as { name: string; id: string };
    expect(vm.name).toBe('vm-00003');
    expect(h.sims.get('lab')?.state.vms.has(vm.id as never)).toBe(true);
    await expect(h.client.readResource({ uri: 'vmm://targets/nas9/vms' })).rejects.toThrow(/-32002.*nas9.*main, lab/s);
    await expect(h.client.readResource({ uri: 'vmm://targets/lab/disks' })).rejects.toThrow(/-32002.*hosts, storages/s);
  });

  it('completes target names, then VM names on the chosen target', async () => {
    const h = await twoTargets();
    const ref = { type: 'ref/resource' as const, uri: 'vmm://targets/{target}/vms/{vm}' };
    const targets = await h.client.complete({ ref, argument: { name: 'target', value: 'l' } });
    expect(targets.completion.values).toEqual(['lab']);
    const onLab = await h.client.complete({ ref, argument: { name: 'vm', value: 'vm-0001' }, context: { arguments: { target: 'lab' } } });
    expect(onLab.completion.values).toEqual(['vm-00010', 'vm-00011', 'vm-00012', 'vm-00013', 'vm-00014', 'vm-00015', 'vm-00016', 'vm-00017', 'vm-00018', 'vm-00019']);
    const onMain = await h.client.complete({ ref, argument: { name: 'vm', value: 'web' }, context: { arguments: { target: 'main' } } });
    expect(onMain.completion.values).toEqual(['web-01']);
  });

  it('adds no per-target resources with a single target', async () => {
    harness = await startHarness();
    const templates = (await harness.client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate);
    expect(templates).toEqual(['vmm://vms/{vm}']);
  });
});

describe('prompts on several targets', () => {
  it('take an optional target, complete from it, and tell the agent to pass it on', async () => {
    const h = await twoTargets();
    const { prompts } = await h.client.listPrompts();
    for (const prompt of prompts) expect(prompt.arguments?.find((argument) => argument.name === 'target')?.required, prompt.name).toBe(false);

    const ref = { type: 'ref/prompt' as const, name: 'diagnose_vm_start' };
    const onLab = await h.client.complete({ ref, argument: { name: 'vm', value: 'vm-0000' }, context: { arguments: { target: 'lab' } } });
    expect(onLab.completion.values).toHaveLength(9);
    const byDefault = await h.client.complete({ ref, argument: { name: 'vm', value: 'web' } });
    expect(byDefault.completion.values).toEqual(['web-01']);

    const prompt = await h.client.getPrompt({ name: 'diagnose_vm_start', arguments: { vm: 'vm-00004', target: 'lab' } });
    const text = prompt.messages.map((message) => (message.content.type === 'text' ? message.content.text : '')).join('\n');
    expect(text).toContain('pass target "lab" in every tool call');
    await expect(h.client.getPrompt({ name: 'diagnose_vm_start', arguments: { vm: 'x', target: 'nas9' } })).rejects.toThrow(/nas9.*main, lab/);
  });
});
