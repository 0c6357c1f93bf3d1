import { RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY } from '@modelcontextprotocol/ext-apps/server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DashboardData } from '../src/apps/dashboard/schema.js';
import { RecordingStdioTransport } from './e2e-harness.js';
import { startHarness, structured, textOf, type Harness, type HarnessOptions } from './mcp-harness.js';

/** show_dashboard and its view's resource, as MCP clients with and without the Apps extension see them. */

const UI_CLIENT = { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: [RESOURCE_MIME_TYPE] } } };

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function open(options: HarnessOptions = {}): Promise<Harness> {
  harness = await startHarness(options);
  return harness;
}

async function dashboardTool(h: Harness) {
  const tool = (await h.client.listTools()).tools.find((candidate) => candidate.name === 'show_dashboard');
  if (tool === undefined) throw new Error('show_dashboard is not listed');
  return tool;
}

describe('show_dashboard in tools/list', () => {
  it('carries the view in both the ui.resourceUri key and the older flat key for a client that renders apps', async () => {
    const tool = await dashboardTool(await open({ clientCapabilities: UI_CLIENT }));
    expect(tool._meta).toEqual({ ui: { resourceUri: 'ui://vmm/dashboard' }, [RESOURCE_URI_META_KEY]: 'ui://vmm/dashboard' });
    expect(tool.annotations).toMatchObject({ readOnlyHint: true });
    expect(tool.inputSchema.properties).toEqual({});
  });

  it('shows no UI metadata to a client that did not declare the extension, nor to one without the HTML profile', async () => {
    expect((await dashboardTool(await open()))._meta).toBeUndefined();
    await harness?.close();
    const other = { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/plain'] } } };
    expect((await dashboardTool(await open({ clientCapabilities: other })))._meta).toBeUndefined();
  });

  it('is gone, with its resource, when the dashboard setting is off', async () => {
    const h = await open({ clientCapabilities: UI_CLIENT, dashboard: false });
    expect((await h.client.listTools()).tools.map((tool) => tool.name)).not.toContain('show_dashboard');
    expect((await h.client.listResources()).resources.map((resource) => resource.uri)).not.toContain('ui://vmm/dashboard');
  });
});

describe('the dashboard view resource', () => {
  it('is one self-contained HTML document of the MCP App profile, with no address to fetch anything from', async () => {
    const h = await open({ clientCapabilities: UI_CLIENT });
    const listed = (await h.client.listResources()).resources.find((resource) => resource.uri === 'ui://vmm/dashboard');
    expect(listed?.mimeType).toBe(RESOURCE_MIME_TYPE);
    const { contents } = await h.client.readResource({ uri: 'ui://vmm/dashboard' });
    const [content] = contents;
    expect(content?.mimeType).toBe(RESOURCE_MIME_TYPE);
    const html = content !== undefined && 'text' in content ? content.text : '';
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<script>');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\(\s*["']?(https?:)?\/\//i);
  });
});

describe('show_dashboard results', () => {
  it('gives every target with hosts, storages and VMs as structured content, and the model a short summary', async () => {
    const h = await open({ targets: [{ name: 'nas' }, { name: 'backup', policy: { readOnly: true } }] });
    const result = await h.call('show_dashboard');
    const data = structured<DashboardData>(result);
    expect(data.targets.map((target) => target.name)).toEqual(['nas', 'backup']);
    const [nas] = data.targets;
    expect(nas?.vms.map((vm) => vm.name).sort()).toEqual([...h.sim.state.vms.values()].map((vm) => vm.name).sort());
    expect(nas?.vms_total).toBe(h.sim.state.vms.size);
    const hosts = structured<{ hosts: Array<{ name: string; cpu_threads: { free: number; total: number }; ram_mb: { free: number; total: number } }> }>(
      await h.call('list_hosts'),
    ).hosts;
    expect(nas?.hosts).toEqual(
      hosts.map((host) => ({
        name: host.name,
        status: expect.any(String),
        cpu_threads: { used: host.cpu_threads.total - host.cpu_threads.free, total: host.cpu_threads.total },
        ram_mb: { used: host.ram_mb.total - host.ram_mb.free, total: host.ram_mb.total },
      })),
    );
    expect(nas?.storages.length).toBeGreaterThan(0);
    const text = textOf(result);
    expect(text).toMatch(/^Dashboard of 2 targets:/);
    expect(text).toContain(`nas (${nas?.provider}): 2 hosts, 2 storages, ${nas?.vms_total} VMs`);
    expect(text).toContain('backup (');
    expect(text).toContain('read-only');
    expect(text.length).toBeLessThan(600);
  });

  it('says which actions the policy refuses, with the guard\'s own words, per target and per protected VM', async () => {
    const h = await open({
      targets: [
        { name: 'nas', policy: { protect: ['db-*'], destructive: 'deny' } },
        { name: 'backup', policy: { readOnly: true } },
      ],
    });
    const [nas, backup] = structured<DashboardData>(await h.call('show_dashboard')).targets;
    expect(Object.keys(nas?.blocked ?? {}).sort()).toEqual(['delete_vm', 'power_off']);
    expect(nas?.blocked.delete_vm).toContain('VMM_DESTRUCTIVE=deny');
    const db = nas?.vms.find((vm) => vm.name === 'db-01');
    expect(Object.keys(db?.blocked ?? {}).sort()).toEqual(['power_on', 'shutdown']);
    expect(db?.blocked?.power_on).toContain('protected by the VMM_PROTECT pattern "db-*"');
    expect(nas?.vms.find((vm) => vm.name === 'web-01')?.blocked).toBeUndefined();
    expect(Object.keys(backup?.blocked ?? {}).sort()).toEqual(['delete_vm', 'power_off', 'power_on', 'shutdown']);
    expect(backup?.blocked.power_on).toContain('read-only (VMM_READ_ONLY)');

    // The same words the guard answers with when the call is made anyway.
    const refused = await h.call('power_on', { target: 'nas', vm: 'db-01' });
    expect(textOf(refused)).toContain(db?.blocked?.power_on?.split(' No tool')[0]);
  });

  it('lists running tasks with their progress', async () => {
    const h = await open({ simulator: { taskDurationMs: 60_000 } });
    const created = structured<{ task: { task_id: string } }>(
      await h.call('create_vm', { name: 'dash-new', storage: 'nas-01 - VM Storage 1', disks: [{ size_gb: 10 }] }),
    );
    const [nas] = structured<DashboardData>(await h.call('show_dashboard')).targets;
    expect(nas?.tasks).toEqual([{ task_id: created.task.task_id, status: expect.any(String), progress: expect.any(Number) }]);
  });

  it('shows a target it cannot read as an error beside the others', async () => {
    const h = await open({ targets: [{ name: 'nas' }, { name: 'down' }] });
    await h.sims.get('down')?.close();
    const [nas, down] = structured<DashboardData>(await h.call('show_dashboard')).targets;
    expect(nas?.vms.length).toBeGreaterThan(0);
    expect(down?.error).toBeTruthy();
    expect(down).toMatchObject({ vms: [], hosts: [], vms_total: 0 });
  });
});

describe('the built server over stdio', () => {
  async function overStdio(env: Record<string, string>) {
    const transport = new RecordingStdioTransport(['--simulator'], env);
    const client = new Client({ name: 'apps-host', version: '0' }, { capabilities: UI_CLIENT });
    await client.connect(transport);
    try {
      const tool = (await client.listTools()).tools.find((candidate) => candidate.name === 'show_dashboard');
      const uris = (await client.listResources()).resources.map((resource) => resource.uri);
      const view = uris.includes('ui://vmm/dashboard') ? (await client.readResource({ uri: 'ui://vmm/dashboard' })).contents[0] : undefined;
      return { tool, uris, html: view !== undefined && 'text' in view ? view.text : undefined, stray: transport.strayLines };
    } finally {
      await client.close();
    }
  }

  it('serves show_dashboard and its view from dist/, and VMM_DASHBOARD=false hides both', async () => {
    const on = await overStdio({});
    expect(on.tool?._meta).toMatchObject({ ui: { resourceUri: 'ui://vmm/dashboard' } });
    expect(on.html).toMatch(/^<!doctype html>/);
    expect(on.stray).toEqual([]);
    const off = await overStdio({ VMM_DASHBOARD: 'false' });
    expect(off.tool).toBeUndefined();
    expect(off.uris).not.toContain('ui://vmm/dashboard');
  });
});
