import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIRM_FIELD } from '../src/safety/confirm-elicitation.js';
import { errorText, startHarness, structured, type Harness, type HarnessOptions } from './mcp-harness.js';

interface Confirmation {
  status: 'confirmation_required';
  message: string;
  confirm_token: string;
  expires_at: string;
  preview: { tool: string; target: string; subject: Record<string, unknown>; consequence: string; args: Record<string, unknown> };
}

const WRITE_AND_DESTRUCTIVE = ['power_on', 'shutdown', 'create_vm', 'create_vm_from_image', 'update_vm', 'create_image', 'power_off', 'delete_vm', 'delete_image'];

let harness: Harness | undefined;

async function open(options: HarnessOptions = {}): Promise<Harness> {
  harness = await startHarness(options);
  return harness;
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function confirmation(h: Harness, tool: string, args: Record<string, unknown>): Promise<Confirmation> {
  const answer = structured<Confirmation>(await h.call(tool, args));
  expect(answer.status).toBe('confirmation_required');
  return answer;
}

/** A client that answers confirmation forms with `answer`, recording what it was asked. */
function elicitingClient(answer: (request: ElicitRequest) => ElicitResult, asked: ElicitRequest[]): HarnessOptions {
  return {
    clientCapabilities: { elicitation: { form: {} } },
    prepareClient: (client) =>
      client.setRequestHandler(ElicitRequestSchema, (request) => {
        asked.push(request);
        return answer(request);
      }),
  };
}

describe('policy', () => {
  it('does not list write or destructive tools on a read-only target, and treats them as unknown', async () => {
    const h = await open({ policy: { readOnly: true } });
    const names = (await h.client.listTools()).tools.map((tool) => tool.name);
    for (const name of WRITE_AND_DESTRUCTIVE) expect(names).not.toContain(name);
    expect(names).toContain('list_vms');
    await expect(h.call('power_on', { vm: 'win10' })).rejects.toThrow(/Unknown tool/);
    expect(h.sim.state.vmNamed('win10')?.status).toBe('shutdown');
  });

  it('hides destructive tools under destructive=deny but keeps write tools', async () => {
    const h = await open({ policy: { destructive: 'deny' } });
    const names = (await h.client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('power_on');
    expect(names).not.toContain('power_off');
    expect(names).not.toContain('delete_vm');
    expect(names).not.toContain('delete_image');
  });

  it('refuses every change to a protected VM, whatever the destructive setting, and changes nothing', async () => {
    const h = await open({ policy: { protect: ['db-*'], destructive: 'allow' } });
    const calls: Array<[string, Record<string, unknown>]> = [
      ['power_on', { vm: 'db-01' }],
      ['shutdown', { vm: 'db-01' }],
      ['update_vm', { vm: 'db-01', description: 'changed' }],
      ['power_off', { vm: 'db-01' }],
      ['delete_vm', { vm: 'db-01' }],
    ];
    for (const [tool, args] of calls) {
      const text = errorText(await h.call(tool, args));
      expect(text, tool).toContain('protected');
      expect(text, tool).toContain('"db-*"');
      expect(text, tool).toContain('VMM_PROTECT');
    }
    expect(h.sim.state.vmNamed('db-01')).toMatchObject({ status: 'running', description: 'PostgreSQL primary' });
    expect(h.sim.stats.requests.filter((request) => ['poweron', 'shutdown', 'poweroff', 'set', 'delete'].includes(request.method))).toEqual([]);
    expect(h.auditEntries().map((entry) => entry.outcome)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused']);
    expect(h.auditEntries()[0]?.subject).toContain('db-01');
  });

  it('lists the union of tools over several targets and refuses a call on a target whose policy hides it', async () => {
    const h = await open({ targets: [{ name: 'prod', policy: { readOnly: true } }, { name: 'lab' }] });
    const names = (await h.client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('power_on');
    expect(names).toContain('delete_vm');
    const refused = errorText(await h.call('power_on', { vm: 'win10' }));
    expect(refused).toContain('read-only');
    expect(refused).toContain('prod');
    expect(h.sims.get('prod')?.state.vmNamed('win10')?.status).toBe('shutdown');
    const done = structured<{ status: string }>(await h.call('power_on', { vm: 'win10', target: 'lab', wait: true }));
    expect(done.status).toBe('done');
    expect(h.sims.get('lab')?.state.vmNamed('win10')?.status).toBe('running');
    const unknown = errorText(await h.call('list_vms', { target: 'staging' }));
    expect(unknown).toContain('No target is named "staging"');
    expect(unknown).toContain('prod, lab');
  });
});

describe('confirmation by token', () => {
  it('answers a destructive call with a preview and token, and changes nothing', async () => {
    const h = await open();
    const answer = await confirmation(h, 'power_off', { vm: 'web-01' });
    expect(answer.preview).toMatchObject({
      tool: 'power_off',
      target: 'nas',
      subject: { kind: 'vm', name: 'web-01', status: 'running', host: 'nas-01', disks: ['20 GiB'] },
      args: { vm: 'web-01' },
    });
    expect(answer.preview.consequence).toContain('unsaved data');
    expect(answer.message).toContain('confirm_token');
    expect(h.sim.state.vmNamed('web-01')?.status).toBe('running');
    const deletion = await confirmation(h, 'delete_vm', { vm: 'win10' });
    expect(deletion.preview.consequence).toContain('25 GiB');
    expect(h.sim.state.vmNamed('win10')).toBeDefined();
    const image = await confirmation(h, 'delete_image', { image: 'debian-12-cloud' });
    expect(image.preview.subject).toMatchObject({ kind: 'image', name: 'debian-12-cloud', type: 'disk' });
    expect([...h.sim.state.images.values()].map((item) => item.name)).toContain('debian-12-cloud');
    expect(h.auditEntries().map((entry) => entry.outcome)).toEqual(['confirmation_required', 'confirmation_required', 'confirmation_required']);
  });

  it('executes the second call that carries the token, once', async () => {
    const h = await open();
    const { confirm_token } = await confirmation(h, 'power_off', { vm: 'web-01', wait: true });
    const done = structured<{ status: string }>(await h.call('power_off', { vm: 'web-01', wait: true, confirm_token }));
    expect(done.status).toBe('done');
    expect(h.sim.state.vmNamed('web-01')?.status).toBe('shutdown');
    structured(await h.call('power_on', { vm: 'web-01', wait: true }));
    const reused = errorText(await h.call('power_off', { vm: 'web-01', wait: true, confirm_token }));
    expect(reused).toContain('already used');
    expect(h.sim.state.vmNamed('web-01')?.status).toBe('running');
  });

  it('refuses a token issued for another VM, and deletes neither', async () => {
    const h = await open();
    const { confirm_token } = await confirmation(h, 'delete_vm', { vm: 'win10' });
    const text = errorText(await h.call('delete_vm', { vm: 'ci runner (old)', confirm_token }));
    expect(text).toContain('issued for vm "win10"');
    expect(h.sim.state.vmNamed('win10')).toBeDefined();
    expect(h.sim.state.vmNamed('ci runner (old)')).toBeDefined();
  });

  it('refuses an expired token', async () => {
    // Expired tokens are remembered for one more lifetime, so the refusal can say "expired" between 1x and 2x the TTL.
    const ttlMs = 150;
    const h = await open({ confirmTtlMs: ttlMs });
    const { confirm_token } = await confirmation(h, 'delete_vm', { vm: 'win10' });
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 30));
    const text = errorText(await h.call('delete_vm', { vm: 'win10', confirm_token }));
    expect(text).toContain('expired');
    expect(text).toContain('Next:');
    expect(h.sim.state.vmNamed('win10')).toBeDefined();
  });

  it('records every outcome in the audit log without the token', async () => {
    const h = await open();
    const { confirm_token } = await confirmation(h, 'delete_vm', { vm: 'win10' });
    structured(await h.call('delete_vm', { vm: 'win10', confirm_token }));
    errorText(await h.call('power_on', { vm: 'missing-vm' }));
    structured(await h.call('list_vms', {}));
    const entries = h.auditEntries();
    expect(entries.map((entry) => [entry.tool, entry.outcome])).toEqual([
      ['delete_vm', 'confirmation_required'],
      ['delete_vm', 'started'],
      ['delete_vm', 'ok'],
      ['power_on', 'error'],
    ]);
    expect(entries[1]).toMatchObject({ target: 'nas', args: { vm: 'win10' } });
    expect(entries[2]?.call, 'the outcome line carries the started line\'s call id').toBe(entries[1]?.call);
    expect(new Set(entries.map((entry) => entry.call)).size).toBe(3);
    expect(String(entries[2]?.subject)).toContain('win10');
    expect(typeof entries[1]?.time).toBe('string');
    expect(String(entries[3]?.error)).toContain('missing-vm');
    expect(JSON.stringify(entries)).not.toContain(confirm_token);
  });
});

describe('confirmation by elicitation', () => {
  it('asks the human with the subject and consequence, and executes when they type the name back', async () => {
    const asked: ElicitRequest[] = [];
    const h = await open(elicitingClient(() => ({ action: 'accept', content: { [CONFIRM_FIELD]: 'win10' } }), asked));
    const deleted = structured<{ status: string }>(await h.call('delete_vm', { vm: 'win10' }));
    expect(deleted.status).toBe('deleted');
    expect(h.sim.state.vmNamed('win10')).toBeUndefined();
    expect(asked).toHaveLength(1);
    const params = asked[0]?.params as { message: string; requestedSchema: { properties: Record<string, unknown> } };
    expect(params.message).toContain('win10');
    expect(params.message).toContain('permanently');
    expect(Object.keys(params.requestedSchema.properties)).toEqual([CONFIRM_FIELD]);
  });

  it('does nothing when the typed name does not match', async () => {
    const h = await open(elicitingClient(() => ({ action: 'accept', content: { [CONFIRM_FIELD]: 'win1O' } }), []));
    const text = errorText(await h.call('delete_vm', { vm: 'win10' }));
    expect(text).toContain('does not match');
    expect(h.sim.state.vmNamed('win10')).toBeDefined();
  });

  it('does nothing when the human declines', async () => {
    const h = await open(elicitingClient(() => ({ action: 'decline' }), []));
    const text = errorText(await h.call('power_off', { vm: 'web-01' }));
    expect(text).toContain('declined');
    expect(h.sim.state.vmNamed('web-01')?.status).toBe('running');
    expect(h.auditEntries().map((entry) => entry.outcome)).toEqual(['refused']);
  });
});
