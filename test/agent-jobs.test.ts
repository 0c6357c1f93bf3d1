import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, type CallToolResult, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIRM_FIELD } from '../src/safety/confirm-elicitation.js';
import { CLI, cleanEnv } from './cli-harness.js';
import { errorText, startHarness, structured, textOf, type Harness, type HarnessOptions } from './mcp-harness.js';

/**
 * The jobs an agent does, on the demo inventory as `--simulator` serves it, through the SDK's client,
 * each counted in tool calls: what it costs an agent that reads the answers and acts on them.
 */

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

/** A demo server with a counter of the tool calls made through it. */
async function demo(options: HarnessOptions = {}): Promise<Harness & { calls: () => number }> {
  const h = await startHarness(options);
  open.push(h);
  let calls = 0;
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> => {
    calls += 1;
    return h.call(name, args);
  };
  return { ...h, call, calls: () => calls };
}

/** A client that confirms destructive calls by form, typing back `typed`, and records every form it was shown. */
function formClient(typed: string, asked: ElicitRequest[]): HarnessOptions {
  return {
    clientCapabilities: { elicitation: { form: {} } },
    prepareClient: (client) =>
      client.setRequestHandler(ElicitRequestSchema, (request) => {
        asked.push(request);
        return { action: 'accept', content: { [CONFIRM_FIELD]: typed } };
      }),
  };
}

interface Creation {
  status: string;
  message: string;
  vm: { name: string; status: string; vcpus: number; ram_mb: number; host?: string };
  chosen: Array<{ argument: string; name: string; why: string }>;
}

describe('provisioning from an image', () => {
  it('takes one call with only name, image, vcpus and ram_mb, and says what it chose and why', async () => {
    const h = await demo();
    const created = structured<Creation>(
      await h.call('create_vm_from_image', { name: 'app-01', image: 'ubuntu-24.04-cloud', vcpus: 2, ram_mb: 2048, power_on: true }),
    );
    expect(h.calls()).toBe(1);
    expect(created).toMatchObject({ status: 'done', vm: { name: 'app-01', status: 'running', vcpus: 2, ram_mb: 2048 } });
    expect(created.chosen.map(({ argument, name }) => [argument, name])).toEqual([
      ['storage', 'nas-01 - VM Storage 1'],
      ['network', 'Default VM Network'],
    ]);
    expect(created.message).toContain('Chose storage nas-01 - VM Storage 1 (the usable storage holding image ubuntu-24.04-cloud with the most free space, ');
    expect(created.message).toContain('and network Default VM Network (the default network for new VMs)');
    const vm = h.sim.state.vmNamed('app-01');
    expect(h.sim.state.storages.get(vm?.storage_id ?? '')?.name).toBe('nas-01 - VM Storage 1');
    expect(vm?.nics.map((nic) => h.sim.state.networks.get(nic.network_id)?.name)).toEqual(['Default VM Network']);
  });

  it('takes two calls when the agent first looks the image up', async () => {
    const h = await demo();
    const { images } = structured<{ images: Array<{ name: string; type: string }> }>(await h.call('list_images'));
    const image = images.find((candidate) => candidate.type === 'disk' && candidate.name.startsWith('debian'));
    expect(image).toBeDefined();
    const created = structured<Creation>(await h.call('create_vm_from_image', { name: 'app-02', image: image?.name }));
    expect(h.calls()).toBe(2);
    expect(created.status).toBe('done');
    expect(created.chosen.map((choice) => choice.argument)).toEqual(['storage', 'network']);
  });

  it('says that its description\'s defaults hold: the roomiest storage holding the image and the default network', async () => {
    const h = await demo();
    const { tools } = await h.client.listTools();
    const description = tools.find((tool) => tool.name === 'create_vm_from_image')?.description ?? '';
    expect(description).toContain('storage is the one holding the image with the most free space, network the default (else the only) one');
    expect(description).not.toContain('obvious');
  });
});

describe('a power cycle', () => {
  it('takes two calls: shutdown and power_on, each waiting', async () => {
    const h = await demo();
    const down = structured<{ status: string; vm: { status: string } }>(await h.call('shutdown', { vm: 'web-01', wait: true }));
    const up = structured<{ status: string; vm: { status: string; host: string } }>(await h.call('power_on', { vm: 'web-01', wait: true }));
    expect(h.calls()).toBe(2);
    expect(down).toMatchObject({ status: 'done', vm: { status: 'stopped' } });
    expect(up).toMatchObject({ status: 'done', vm: { status: 'running' } });
    expect(h.sim.state.vmNamed('web-01')?.status).toBe('running');
  });
});

describe('why a VM will not start', () => {
  it('takes two calls on the demo VM that fits no host: its details, then the power-on whose error says why', async () => {
    const h = await demo();
    const { vm } = structured<{ vm: { status: string; vcpus: number; ram_mb: number } }>(await h.call('get_vm', { vm: 'analytics-01' }));
    expect(vm).toMatchObject({ status: 'stopped', vcpus: 4, ram_mb: 12288 });
    const text = errorText(await h.call('power_on', { vm: 'analytics-01', wait: true }));
    expect(h.calls()).toBe(2);

    const { state } = h.sim;
    const figures = (name: string) => {
      const host = state.hostNamed(name);
      if (host === undefined) throw new Error(`no host ${name}`);
      const threads = state.freeCpu(host);
      return `${threads} thread${threads === 1 ? '' : 's'} and ${state.freeRamMb(host)} MiB free`;
    };
    const tried = /not enough memory on host "(\S+)", which has/.exec(text)?.[1] ?? '';
    const other = tried === 'nas-01' ? 'nas-02' : 'nas-01';
    expect(['nas-01', 'nas-02']).toContain(tried);
    expect(text).toContain(`power_on failed: Cannot power on VM "analytics-01" (4 vCPUs, 12288 MiB): not enough memory on host "${tried}", which has ${figures(tried)}`);
    expect(text).toContain(`no host can take it now (host "${other}" has ${figures(other)})`);
    expect(text).toMatch(new RegExp(`details from DSM: .*host ${tried}`));
    expect(text).toContain('the largest size that fits is 3 vCPUs and 7168 MiB, on host "nas-02"');
    expect(text).not.toContain('pick another host');
  });

  it('starts once the VM is made as small as the error says fits', async () => {
    const h = await demo();
    errorText(await h.call('power_on', { vm: 'analytics-01' }));
    structured(await h.call('update_vm', { vm: 'analytics-01', vcpus: 3, ram_mb: 7168 }));
    const up = structured<{ status: string; vm: { status: string; host: string } }>(await h.call('power_on', { vm: 'analytics-01', wait: true }));
    expect(up).toMatchObject({ status: 'done', vm: { status: 'running', host: 'nas-02' } });
  });
});

describe('deleting a VM', () => {
  it('takes two calls for a stopped VM with a confirm token', async () => {
    const h = await demo();
    const asked = structured<{ status: string; confirm_token: string }>(await h.call('delete_vm', { vm: 'win10' }));
    expect(asked.status).toBe('confirmation_required');
    const deleted = structured<{ status: string }>(await h.call('delete_vm', { vm: 'win10', confirm_token: asked.confirm_token }));
    expect(h.calls()).toBe(2);
    expect(deleted.status).toBe('deleted');
    expect(h.sim.state.vmNamed('win10')).toBeUndefined();
  });

  it('takes one call for a stopped VM when the client confirms by form', async () => {
    const forms: ElicitRequest[] = [];
    const h = await demo(formClient('win10', forms));
    const deleted = structured<{ status: string }>(await h.call('delete_vm', { vm: 'win10' }));
    expect(h.calls()).toBe(1);
    expect(forms).toHaveLength(1);
    expect(deleted.status).toBe('deleted');
  });

  it('refuses a running VM before any form: nobody is asked to confirm what cannot happen', async () => {
    const forms: ElicitRequest[] = [];
    const h = await demo(formClient('web-01', forms));
    const mark = h.sim.stats.requests.length;
    const result = await h.call('delete_vm', { vm: 'web-01' });
    const text = errorText(result);
    expect(forms).toEqual([]);
    expect(text).toContain('delete_vm refused: VM "web-01" is running, and only a stopped VM can be deleted; nothing was changed');
    expect(text).toMatch(/Next: stop it first: shutdown with wait: true \(graceful\), or power_off \(forced; unsaved guest data is lost\); then retry/);
    expect(h.sim.stats.requests.slice(mark).some((request) => request.method === 'delete')).toBe(false);
    expect(h.sim.state.vmNamed('web-01')?.status).toBe('running');
    expect(h.auditEntries().at(-1)).toMatchObject({ tool: 'delete_vm', outcome: 'refused' });
  });

  it('refuses a running VM before issuing a token, then deletes it in two calls once it is stopped', async () => {
    const h = await demo();
    const refused = await h.call('delete_vm', { vm: 'lab-router' });
    expect(errorText(refused)).toContain('only a stopped VM can be deleted');
    expect(refused.structuredContent).toBeUndefined();
    expect(textOf(refused)).not.toContain('confirm_token');

    structured(await h.call('shutdown', { vm: 'lab-router', wait: true }));
    const asked = structured<{ confirm_token: string }>(await h.call('delete_vm', { vm: 'lab-router' }));
    structured(await h.call('delete_vm', { vm: 'lab-router', confirm_token: asked.confirm_token }));
    expect(h.sim.state.vmNamed('lab-router')).toBeUndefined();
  });

  it('answers forcing off a stopped VM as already stopped, without asking anyone', async () => {
    const forms: ElicitRequest[] = [];
    const h = await demo(formClient('win10', forms));
    const answer = structured<{ status: string }>(await h.call('power_off', { vm: 'win10' }));
    expect(answer.status).toBe('already');
    expect(forms).toEqual([]);
  });
});

describe('changing CPU or memory of a running VM', () => {
  it('is refused with the next step, before anything reaches DSM', async () => {
    const h = await demo();
    const mark = h.sim.stats.requests.length;
    const text = errorText(await h.call('update_vm', { vm: 'db-01', ram_mb: 4096 }));
    expect(text).toContain('update_vm refused: VM "db-01" is running, and only a stopped VM can change vcpus or ram_mb');
    expect(text).toContain('Next: stop it first: shutdown with wait: true');
    expect(h.sim.stats.requests.slice(mark).some((request) => request.method === 'set')).toBe(false);
  });

  it('still renames a running VM, which needs no stop', async () => {
    const h = await demo();
    const renamed = structured<{ vm: { name: string } }>(await h.call('update_vm', { vm: 'db-01', new_name: 'db-primary' }));
    expect(renamed.vm.name).toBe('db-primary');
  });
});

describe('a client that starts a new server for every call', () => {
  /** One server process for one call, as the MCP Inspector's CLI runs one. */
  async function oneShot(name: string, args: Record<string, unknown>, env: Record<string, string> = {}): Promise<CallToolResult> {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, '--simulator'], env: cleanEnv(env) as Record<string, string>, stderr: 'pipe' });
    const client = new Client({ name: 'one-shot', version: '1.0.0' });
    await client.connect(transport);
    try {
      return (await client.callTool({ name, arguments: args })) as CallToolResult;
    } finally {
      await client.close();
    }
  }

  it('is told why its confirm_token cannot work and what to do instead', async () => {
    const asked = structured<{ confirm_token: string }>(await oneShot('delete_vm', { vm: 'win10' }));
    const text = errorText(await oneShot('delete_vm', { vm: 'win10', confirm_token: asked.confirm_token }));
    expect(text).toContain('delete_vm refused: confirm_token is not one this server issued');
    expect(text).toContain('a client that starts a new server for every call can never redeem one');
    expect(text).toContain('Next: Run the server once for the whole session');
    expect(text).toContain('set VMM_DESTRUCTIVE=allow');
  });

  it('deletes in one call with VMM_DESTRUCTIVE=allow, for scripted use', async () => {
    const deleted = structured<{ status: string }>(await oneShot('delete_vm', { vm: 'win10' }, { VMM_DESTRUCTIVE: 'allow' }));
    expect(deleted.status).toBe('deleted');
  });
});

describe('prompts, followed as written', () => {
  /** Every `tool {...}` call a prompt suggests, in order, with its number slots filled in. */
  async function suggestedCalls(h: Harness, prompt: string, args: Record<string, string>, numbers: Record<string, number>) {
    const { messages } = await h.client.getPrompt({ name: prompt, arguments: args });
    const text = messages.map((message) => (message.content.type === 'text' ? message.content.text : '')).join('\n');
    const calls = [...text.matchAll(/\b([a-z_]+) (\{[^{}]*\})/g)].map(([, tool, json]) => {
      const filled = (json ?? '').replace(/<([a-z_]+)>/g, (slot, name: string) => {
        const value = numbers[name];
        if (value === undefined) throw new Error(`${prompt} has a slot ${slot} the test does not know`);
        return String(value);
      });
      return { tool: tool ?? '', args: JSON.parse(filled) as Record<string, unknown> };
    });
    return { text, calls };
  }

  it('provision_vm_from_image: each suggested call succeeds, with numbers as numbers and storage/network left out', async () => {
    const h = await demo();
    const { text, calls } = await suggestedCalls(h, 'provision_vm_from_image', { name: 'app-09', image: 'debian-12-cloud' }, { vcpus: 2, ram_mb: 2048 });
    expect(calls.map((call) => call.tool)).toEqual(['list_hosts', 'create_vm_from_image', 'get_vm']);
    expect(text).toContain('"vcpus":<vcpus>,"ram_mb":<ram_mb>');
    expect(calls[1]?.args).toEqual({ name: 'app-09', image: 'debian-12-cloud', vcpus: 2, ram_mb: 2048, power_on: true });
    for (const call of calls) structured(await h.call(call.tool, call.args));
    expect(h.sim.state.vmNamed('app-09')).toMatchObject({ vcpus: 2, ram_mb: 2048, status: 'running' });
  });

  it('provision_vm_from_image: storage and network given to the prompt are passed on', async () => {
    const h = await demo();
    const { calls } = await suggestedCalls(
      h,
      'provision_vm_from_image',
      { name: 'app-10', image: 'ubuntu-24.04-cloud', storage: 'nas-02 - VM Storage 1', network: 'Lab Network' },
      { vcpus: 1, ram_mb: 1024 },
    );
    const create = calls.find((call) => call.tool === 'create_vm_from_image');
    expect(create?.args).toMatchObject({ storage: 'nas-02 - VM Storage 1', network: 'Lab Network', vcpus: 1, ram_mb: 1024 });
    const created = structured<Creation>(await h.call('create_vm_from_image', create?.args));
    expect(created.chosen).toEqual([]);
    expect(h.sim.state.storages.get(h.sim.state.vmNamed('app-10')?.storage_id ?? '')?.name).toBe('nas-02 - VM Storage 1');
  });

  it('diagnose_vm_start: each suggested call succeeds on a VM that starts', async () => {
    const h = await demo();
    const { calls } = await suggestedCalls(h, 'diagnose_vm_start', { vm: 'win10' }, { vcpus: 1, ram_mb: 1024 });
    expect(calls.map((call) => call.tool)).toEqual(['get_vm', 'list_tasks', 'list_storages', 'list_hosts', 'power_on', 'update_vm']);
    const [getVm, listTasks, listStorages, listHosts, powerOn, updateVm] = calls;
    // update_vm is the step for a VM too big to start, taken while it is still stopped.
    for (const call of [getVm, listTasks, listStorages, listHosts, updateVm, powerOn]) structured(await h.call(call?.tool ?? '', call?.args));
    expect(h.sim.state.vmNamed('win10')).toMatchObject({ status: 'running', vcpus: 1, ram_mb: 1024 });
  });

  it('diagnose_vm_start: on the VM that fits no host, the power-on error gives the size that the update step then uses', async () => {
    const h = await demo();
    const { calls } = await suggestedCalls(h, 'diagnose_vm_start', { vm: 'analytics-01' }, { vcpus: 3, ram_mb: 7168 });
    const step = (tool: string) => calls.find((call) => call.tool === tool)?.args;
    const why = errorText(await h.call('power_on', step('power_on')));
    expect(why).toContain('the largest size that fits is 3 vCPUs and 7168 MiB');
    structured(await h.call('update_vm', step('update_vm')));
    expect(structured<{ status: string }>(await h.call('power_on', step('power_on'))).status).toBe('done');
  });

  it('names the target in every suggested call when the prompt is for another target', async () => {
    const h = await startHarness({ targets: [{ name: 'main' }, { name: 'lab' }] });
    open.push(h);
    const { calls } = await suggestedCalls(h, 'provision_vm_from_image', { name: 'app-11', image: 'debian-12-cloud', target: 'lab' }, { vcpus: 1, ram_mb: 1024 });
    for (const call of calls) {
      expect(call.args.target).toBe('lab');
      structured(await h.call(call.tool, call.args));
    }
    expect(h.sims.get('lab')?.state.vmNamed('app-11')).toBeDefined();
    expect(h.sims.get('main')?.state.vmNamed('app-11')).toBeUndefined();
  });
});
