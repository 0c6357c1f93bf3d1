import { ElicitRequestSchema, type ElicitRequest } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardData, DashboardTarget, DashboardVm } from '../src/apps/dashboard/schema.js';
import { disabledReason, type ViewState } from '../src/apps/dashboard/view/state.js';
import { CONFIRM_FIELD } from '../src/safety/confirm-elicitation.js';
import { errorText, structured } from './mcp-harness.js';
import { type ProvidersHarness, startProvidersHarness } from './providers-harness.js';

/**
 * Which changes need a stopped VM is each backend's to say: DSM refuses deleting a running VM before
 * anyone is asked to confirm; LunaNode's vm/delete and dcmgr's DELETE work in any state, so there the
 * human is asked, told the VM runs and will be destroyed.
 */

let h: ProvidersHarness;
afterEach(async () => {
  await h.close();
});

interface Confirmation {
  status: string;
  confirm_token: string;
  preview: { consequence: string; subject: Record<string, unknown> };
}

function lunaVm(name: string) {
  return [...h.sims.luna.state.vms.values()].find((vm) => vm.name === name);
}

function outcomesOf(target: string): string[] {
  return h
    .auditEntries()
    .filter((entry) => entry.target === target && entry.outcome !== 'started')
    .map((entry) => `${String(entry.tool)} ${String(entry.outcome)}`);
}

describe('stopped-VM preconditions per backend', () => {
  it('deletes a running LunaNode VM after confirmation, with a preview that says it runs and is destroyed', async () => {
    h = await startProvidersHarness();
    expect(lunaVm('web-1')?.phase.word).toBe('Online');
    const asked = structured<Confirmation>(await h.call('delete_vm', { target: 'luna', vm: 'web-1' }));
    expect(asked.status).toBe('confirmation_required');
    expect(asked.preview.subject.status).toBe('running');
    expect(asked.preview.consequence).toContain('It is running now: it is destroyed while it runs, without a clean shutdown');
    expect(lunaVm('web-1')).toBeDefined();

    const deleted = structured<{ status: string; deleted: { name: string } }>(
      await h.call('delete_vm', { target: 'luna', vm: 'web-1', confirm_token: asked.confirm_token }),
    );
    expect(deleted).toMatchObject({ status: 'deleted', deleted: { name: 'web-1' } });
    expect(lunaVm('web-1')).toBeUndefined();
    expect(errorText(await h.call('get_vm', { target: 'luna', vm: 'web-1' }))).toContain('No VM has the id or name "web-1"');
    expect(outcomesOf('luna')).toEqual(['delete_vm confirmation_required', 'delete_vm ok']);
  });

  it('shows the human the same warning in the confirmation form', async () => {
    const asked: ElicitRequest[] = [];
    h = await startProvidersHarness(
      {},
      {
        clientCapabilities: { elicitation: { form: {} } },
        prepareClient: (client) =>
          client.setRequestHandler(ElicitRequestSchema, (request) => {
            asked.push(request);
            return { action: 'accept', content: { [CONFIRM_FIELD]: 'db-1' } };
          }),
      },
    );
    const deleted = structured<{ status: string }>(await h.call('delete_vm', { target: 'luna', vm: 'db-1' }));
    expect(deleted.status).toBe('deleted');
    expect(asked).toHaveLength(1);
    const message = asked[0]?.params.message ?? '';
    expect(message).toContain('It is running now: it is destroyed while it runs, without a clean shutdown');
    expect(message).toContain('Status: "running"');
    expect(lunaVm('db-1')).toBeUndefined();
  });

  it('still refuses a running DSM VM before any confirmation', async () => {
    h = await startProvidersHarness();
    const onNas = await h.call('delete_vm', { target: 'nas', vm: 'web-01' });
    expect(onNas.isError).toBe(true);
    expect(errorText(onNas)).toContain('delete_vm refused: VM "web-01" is running, and only a stopped VM can be deleted; nothing was changed');
    expect(errorText(onNas)).toContain('stop it first');
    expect(JSON.stringify(onNas)).not.toContain('confirm_token');
    expect([...h.sims.nas.state.vms.values()].map((vm) => vm.name)).toContain('web-01');
    expect(outcomesOf('nas')).toEqual(['delete_vm refused']);
  });

  it('terminates a running Wakame-VDC instance after confirmation, as dcmgr does', async () => {
    h = await startProvidersHarness();
    const asked = structured<Confirmation>(await h.call('delete_vm', { target: 'vdc', vm: 'web-1' }));
    expect(asked.status).toBe('confirmation_required');
    expect(asked.preview.consequence).toContain('It is running now: it is destroyed while it runs');
    expect(h.sims.vdc.stats.requests.some((request) => request.method === 'DELETE')).toBe(false);

    const deleted = structured<{ status: string }>(
      await h.call('delete_vm', { target: 'vdc', vm: 'web-1', confirm_token: asked.confirm_token }),
    );
    expect(deleted.status).toBe('deleted');
    const instance = [...h.sims.vdc.state.instances.values()].find((each) => each.displayName === 'web-1');
    expect(['shuttingdown', 'terminated']).toContain(instance?.state);
    expect(outcomesOf('vdc')).toEqual(['delete_vm confirmation_required', 'delete_vm ok']);
  });

  it('enables the dashboard\'s Delete button on a running VM only where the target deletes running VMs', async () => {
    h = await startProvidersHarness();
    const data = structured<DashboardData>(await h.call('show_dashboard'));
    const target = (name: string) => data.targets.find((each) => each.name === name) as DashboardTarget;
    expect(data.targets.map((each) => [each.name, each.stopped_only])).toEqual([
      ['nas', ['delete_vm']],
      ['luna', []],
      ['vdc', []],
    ]);
    const view: ViewState = { data, filter: '', sort: { key: 'name', descending: false }, busy: new Map(), polling: false };
    const reasonFor = (name: string, vm: string) => {
      const row = target(name).vms.find((each) => each.name === vm) as DashboardVm;
      expect(row.status).toBe('running');
      return disabledReason(target(name), row, 'delete_vm', view);
    };
    expect(reasonFor('luna', 'web-1')).toBeUndefined();
    expect(reasonFor('nas', 'web-01')).toBe('Not while the VM is running.');
    expect(reasonFor('vdc', 'web-1')).toBeUndefined();
  });

  it("answers vcpus on a running VM with what each system allows, not a stop it would not need", async () => {
    h = await startProvidersHarness();
    expect(errorText(await h.call('update_vm', { target: 'nas', vm: 'web-01', vcpus: 4 }))).toContain(
      'update_vm refused: VM "web-01" is running, and only a stopped VM can change vcpus or ram_mb',
    );
    const onLuna = errorText(await h.call('update_vm', { target: 'luna', vm: 'web-1', vcpus: 4 }));
    expect(onLuna).toContain('LunaNode can rename a VM here, not change its vcpus');
    expect(onLuna).not.toContain('only a stopped VM');
    const onVdc = errorText(await h.call('update_vm', { target: 'vdc', vm: 'web-1', ram_mb: 4096 }));
    expect(onVdc).toContain('Wakame-VDC cannot change ram_mb of an instance');
    expect(onVdc).not.toContain('only a stopped VM');
  });
});
