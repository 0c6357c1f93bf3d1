import { CallToolResultSchema, ToolListChangedNotificationSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO_USER, ManualClock, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';
import { annotationsFor, TOOL_DEFINITIONS } from '../src/tools/index.js';
import { errorText, FAST, startHarness, structured, textOf, type Harness } from './mcp-harness.js';

const CATALOG = {
  list_vms: 'read',
  get_vm: 'read',
  list_images: 'read',
  get_image: 'read',
  list_hosts: 'read',
  list_storages: 'read',
  list_networks: 'read',
  list_tasks: 'read',
  get_task: 'read',
  wait_task: 'read',
  power_on: 'write',
  shutdown: 'write',
  reboot: 'write',
  create_vm: 'write',
  create_vm_from_image: 'write',
  update_vm: 'write',
  create_image: 'write',
  update_image: 'write',
  copy_image: 'write',
  power_off: 'destructive',
  delete_vm: 'destructive',
  delete_image: 'destructive',
  list_targets: 'read',
  show_dashboard: 'read',
} as const;

/**
 * Tools no DSM can do (LunaNode and Wakame-VDC can), and reboot, which only DSM 7's internal dialect
 * has: a server with only DSM targets does not list them before it asked the box what it speaks.
 */
const NOT_ON_DSM = ['reboot', 'update_image', 'copy_image'];

type VmRowShape = [name: string, status: string, vcpus: number, ram_mb: number, host: string | null];
interface ListVms { columns: string[]; vms: VmRowShape[]; total: number; limit: number; offset: number; next_offset: number | null }
interface VmBriefShape { id: string; name: string; status: string; vcpus: number; ram_mb: number; host?: string }
interface VmDetailsShape {
  id: string; name: string; status: string; vcpus: number; ram_mb: number; autorun: string; description: string;
  host?: string; storage?: string;
  disks: Array<{ size_gb: number; controller: string }>;
  nics: Array<{ mac: string; model: string; network?: string }>;
}
interface TaskShape { task_id: string; finished: boolean; progress: number; status: string; vm_id?: string; image_id?: string }

/**
 * The whole suite runs against each kind of box the server meets: what differs between them is only
 * what their API family can carry (a create, a description, the host a VM starts on, disk details).
 */
interface Setup {
  label: string;
  simulator: SimulatorOptions;
  /** The API style list_targets reports. */
  style: 'dsm-official' | 'dsm-internal' | 'dsm-compact';
  /**
   * Only DSM 7's internal dialect restarts a guest (`pwr_ctl` `reboot`): once the box turned out to
   * speak it, reboot joins tools/list (and the server says the list changed).
   */
  reboots: boolean;
}

const SETUPS: Setup[] = [
  { label: 'DSM 7, official API (default)', simulator: {}, style: 'dsm-official', reboots: false },
  // The guide's guests carry no host fields; this box leaves them out, so hosts come from the storages.
  { label: 'DSM 6, official API, guests without host fields', simulator: { dsmVersion: 6, guestHostFields: false }, style: 'dsm-official', reboots: false },
  { label: 'DSM 7, internal guest API only', simulator: { style: 'internal' }, style: 'dsm-internal', reboots: true },
  { label: "the seeds' compact style only", simulator: { style: 'compact' }, style: 'dsm-compact', reboots: false },
];

let setup: Setup = SETUPS[0]!;
let harness: Harness | undefined;

const official = (): boolean => setup.style === 'dsm-official';
const internal = (): boolean => setup.style === 'dsm-internal';
const compact = (): boolean => setup.style === 'dsm-compact';

async function open(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  harness = await startHarness({ ...options, simulator: { ...setup.simulator, ...options.simulator } });
  return harness;
}

/** Starts a background task the way this box can (an image from a file, or from a VM); `undefined` where it has none. */
async function startImageTask(h: Harness, name: string): Promise<TaskShape | undefined> {
  if (internal()) {
    expect(errorText(await h.call('create_image', { name, vm: 'win10' }))).toMatch(/dsm-internal\), which offers no creating images/);
    return undefined;
  }
  const args = official()
    ? { name, ds_file_path: `/volume1/images/${name}.img`, type: 'disk', storages: ['nas-01 - VM Storage 1'] }
    : { name, vm: 'win10' };
  return structured<{ task: TaskShape }>(await h.call('create_image', args)).task;
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function simStatus(h: Harness, name: string): string | undefined {
  return h.sim.state.vmNamed(name)?.status;
}

describe.each(SETUPS)('against $label', (each) => {
beforeAll(() => {
  setup = each;
});

describe('tool catalog', () => {
  it('lists exactly the tools of the design, with titles, output schemas and annotations derived from their effect', async () => {
    const h = await open();
    const { tools } = await h.client.listTools();
    expect(Object.fromEntries(TOOL_DEFINITIONS.map((tool) => [tool.name, tool.effect]))).toEqual(CATALOG);
    expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(CATALOG).filter((name) => !NOT_ON_DSM.includes(name)).sort());
    expect(Object.keys(CATALOG).length).toBeLessThanOrEqual(24);
    for (const tool of tools) {
      const effect = CATALOG[tool.name as keyof typeof CATALOG];
      expect(tool.annotations, tool.name).toEqual(annotationsFor(effect));
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.outputSchema?.type, tool.name).toBe('object');
    }
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    // MCP's defaults are left out: openWorldHint is true, destructiveHint means nothing on a read-only tool.
    expect(byName.get('list_vms')?.annotations).toEqual({ readOnlyHint: true, idempotentHint: true });
    expect(byName.get('power_on')?.annotations).toEqual({ readOnlyHint: false, destructiveHint: false });
    expect(byName.get('delete_vm')?.annotations).toEqual({ readOnlyHint: false, destructiveHint: true });
  });

  it('lists reboot once the box turned out to speak the dialect that has it, telling the client the list changed', async () => {
    const h = await open();
    let changed = 0;
    h.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed += 1;
    });
    structured(await h.call('list_targets'));
    structured(await h.call('list_vms', {}));
    const names = (await h.client.listTools()).tools.map((tool) => tool.name);
    expect(names.includes('reboot')).toBe(setup.reboots);
    expect(names).not.toContain('update_image');
    // Notifications travel behind the answer they follow; the list itself is the check that cannot race.
    await vi.waitFor(() => expect(changed).toBe(setup.reboots ? 1 : 0), { timeout: 5_000 });
    if (!setup.reboots) await expect(h.call('reboot', { vm: 'web-01' })).rejects.toThrow(/Unknown tool: reboot/);
  });

  it('lists no target argument with one target, confirm_token on destructive tools only, and rejects unknown fields in the schema', async () => {
    const h = await open();
    const { tools } = await h.client.listTools();
    for (const tool of tools) {
      const properties = Object.keys(tool.inputSchema.properties ?? {});
      expect(properties, tool.name).not.toContain('target');
      expect(properties.includes('confirm_token'), tool.name).toBe(CATALOG[tool.name as keyof typeof CATALOG] === 'destructive');
      expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
    }
  });

  it('lists no argument that only other systems take (an image status, a region, a URL), and refuses one with what to do', async () => {
    const h = await open();
    const { tools } = await h.client.listTools();
    const fields = (name: string) => Object.keys(tools.find((tool) => tool.name === name)?.inputSchema.properties ?? {});
    expect(fields('list_images')).toEqual(['limit', 'offset']);
    for (const field of ['url', 'format', 'region']) expect(fields('create_image'), field).not.toContain(field);
    const region = errorText(await h.call('list_images', { region: 'toronto' }));
    expect(region).toContain('list_images cannot take region on target nas: This DSM speaks');
    expect(region).toContain('which offers no regions\nNext: omit region');
    const url = errorText(await h.call('create_image', { name: 'from-web', url: 'https://example.invalid/a.iso', format: 'iso' }));
    // DSM 7's internal dialect makes no images at all, which is said first.
    expect(url).toContain(internal() ? 'create_image is not available on target nas' : 'create_image cannot take url on target nas');
    if (!internal()) expect(url).toContain('omit url; or copy the file onto the NAS');
  });

  it('still accepts target when it names the one target, and refuses another name listing the one there is', async () => {
    const h = await open();
    expect(structured<ListVms>(await h.call('list_vms', { target: 'nas', limit: 1 })).vms).toHaveLength(1);
    const text = errorText(await h.call('list_vms', { target: 'elsewhere' }));
    expect(text).toContain('No target is named "elsewhere"');
    expect(text).toContain('nas');
  });

  it('keeps tools/list under 27.5 KB on the wire with typed output schemas: no $schema, no descriptions or closed-object markers in outputs', async () => {
    const h = await open();
    const { tools } = await h.client.listTools();
    // 15.5 KB when output schemas carried field names only; types and required fields cost the rest (bench/README.md);
    // show_dashboard, whose typed result describes a whole cluster, about 1.9 KB more; get_image and create_image
    // from a URL (LunaNode) about 1 KB more; arguments no configured target takes are not listed (about 0.4 KB here).
    expect(h.lastResponseBytes()).toBeLessThan(27_500);
    const listing = JSON.stringify(tools);
    expect(listing).not.toContain('$schema');
    const getVm = tools.find((tool) => tool.name === 'get_vm');
    const vmShape = (getVm?.outputSchema?.properties?.vm as { properties?: Record<string, unknown> } | undefined)?.properties;
    expect(Object.keys(vmShape ?? {})).toEqual(['id', 'name', 'status', 'vcpus', 'ram_mb', 'host', 'storage', 'autorun', 'description', 'disks', 'nics']);
    const powerOff = tools.find((tool) => tool.name === 'power_off');
    expect(JSON.stringify(powerOff?.outputSchema)).toContain('"const":"confirmation_required"');
    const outputs = JSON.stringify(tools.map((tool) => tool.outputSchema));
    expect(outputs).not.toMatch(/"description":"/);
    expect(outputs).not.toContain('"additionalProperties"');
  });

  it('describes shared arguments with units and bounds', async () => {
    const h = await open();
    const { tools } = await h.client.listTools();
    const update = tools.find((tool) => tool.name === 'update_vm')?.inputSchema.properties as Record<string, Record<string, unknown>>;
    expect(update.ram_mb).toMatchObject({ minimum: 256, maximum: 1_048_576 });
    expect(String(update.ram_mb?.description)).toContain('MiB');
    expect(update.vcpus).toMatchObject({ minimum: 1, maximum: 64 });
    expect(String(update.vm?.description)).toContain('id or exact name');
    const list = tools.find((tool) => tool.name === 'list_vms')?.inputSchema.properties as Record<string, Record<string, unknown>>;
    expect(list.limit).toMatchObject({ minimum: 1, maximum: 200, default: 50 });
  });
});

describe('read tools', () => {
  it('pages list_vms in compact rows, so 10,000 VMs give one small page with total and next_offset', async () => {
    const h = await open({ simulator: { inventory: { vms: 10_000 } } });
    const result = await h.call('list_vms', {});
    const page = structured<ListVms>(result);
    expect(page).toMatchObject({ total: 10_000, limit: 50, offset: 0, next_offset: 50 });
    expect(page.columns).toEqual(['name', 'status', 'vcpus', 'ram_mb', 'host']);
    expect(page.vms).toHaveLength(50);
    expect(page.vms[0]).toEqual(['vm-00001', expect.any(String), expect.any(Number), expect.any(Number), expect.any(String)]);
    expect(JSON.parse(textOf(result))).toEqual(page);
    // Both copies, structuredContent and the text, in one JSON-RPC answer.
    expect(h.lastResponseBytes()).toBeLessThan(8_000);
    const last = structured<ListVms>(await h.call('list_vms', { limit: 200, offset: 9_900 }));
    expect(last.vms).toHaveLength(100);
    expect(last.next_offset).toBeNull();
  });

  it('filters list_vms by name glob, status and host name', async () => {
    const h = await open();
    const web = structured<ListVms>(await h.call('list_vms', { name: 'web-*' }));
    expect(web.vms.map(([name]) => name)).toEqual(['web-01']);
    const stopped = structured<ListVms>(await h.call('list_vms', { status: 'stopped' }));
    expect(stopped.vms.map(([name]) => name).sort()).toEqual(['analytics-01', 'ci runner (old)', 'win10']);
    const onNas2 = structured<ListVms>(await h.call('list_vms', { host: 'nas-02', status: 'running' }));
    expect(onNas2.vms).toEqual([['lab-router', 'running', 1, 1024, 'nas-02']]);
  });

  it('gives get_vm details with disks in GiB, NICs, host, storage, autorun and description, as far as the API carries them', async () => {
    const h = await open();
    const { vm } = structured<{ vm: VmDetailsShape }>(await h.call('get_vm', { vm: 'db-01' }));
    expect(vm).toMatchObject({ name: 'db-01', status: 'running', vcpus: 4, ram_mb: 8192 });
    // The seeds' compact style knows autorun only as off/on and has no description.
    expect(vm).toMatchObject(compact() ? { autorun: 'on', description: '' } : { autorun: 'last_state', description: 'PostgreSQL primary' });
    expect(vm.host).toBe('nas-01');
    expect(vm.storage).toBe('nas-01 - VM Storage 1');
    if (internal()) {
      // DSM 7's internal guest API lists no disks or NICs.
      expect(vm.disks).toEqual([]);
      expect(vm.nics).toEqual([]);
    } else {
      expect(vm.disks.map((disk) => disk.size_gb)).toEqual([40, 100]);
      expect(vm.nics.map((nic) => nic.network)).toEqual(['Default VM Network', 'Lab Network']);
      expect(vm.nics[0]?.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i);
    }
    const byId = structured<{ vm: VmDetailsShape }>(await h.call('get_vm', { vm: vm.id }));
    expect(byId.vm.name).toBe('db-01');
  });

  it('lists images, hosts, storages and networks with capacity in people units', async () => {
    const h = await open();
    if (internal()) {
      expect(errorText(await h.call('list_images'))).toContain('does not offer SYNO.Virtualization.Image');
    } else {
      const images = structured<{ images: Array<{ name: string; type: string; size_gb?: number }>; total: number }>(await h.call('list_images'));
      expect(images.images.map((image) => `${image.name}:${image.type}`)).toEqual([
        'ubuntu-24.04-cloud:disk',
        'debian-12-cloud:disk',
        'ubuntu-24.04-live.iso:iso',
      ]);
      expect(images.total).toBe(3);
      // The compact list and a DSM 7 box's internal one carry sizes; a DSM 6 box has only the guide's list, which has none.
      const sized = setup.simulator.dsmVersion !== 6;
      for (const image of images.images) {
        const simulated = [...h.sim.state.images.values()].find((item) => item.name === image.name);
        if (sized) expect(image.size_gb, image.name).toBeCloseTo((simulated?.size_mb ?? -1) / 1024, 2);
        else expect(image.size_gb, image.name).toBeUndefined();
      }
    }
    const hosts = structured<{ hosts: Array<{ name: string; ram_mb?: { free: number; total: number }; cpu_threads?: { free: number; total: number } }> }>(
      await h.call('list_hosts'),
    );
    expect(hosts.hosts.find((host) => host.name === 'nas-01')).toMatchObject({ ram_mb: { free: 4096, total: 16384 }, cpu_threads: { total: 8 } });
    const storages = structured<{ storages: Array<{ name: string; size_gb: number; used_gb: number; free_gb: number }> }>(await h.call('list_storages'));
    const storage = storages.storages.find((item) => item.name === 'nas-02 - VM Storage 1');
    expect(storage?.size_gb).toBeCloseTo(488.28, 1);
    expect((storage?.size_gb ?? 0) - (storage?.used_gb ?? 0)).toBeCloseTo(storage?.free_gb ?? -1, 1);
    const networks = structured<{ networks: Array<{ name: string }> }>(await h.call('list_networks'));
    expect(networks.networks.map((network) => network.name)).toEqual(['Default VM Network', 'Lab Network']);
  });

  it('follows a background task with list_tasks, get_task and wait_task, sending growing progress notifications', async () => {
    const h = await open({ simulator: { taskDurationMs: 300 } });
    const task = await startImageTask(h, 'from-file');
    if (task === undefined) return;
    const started = { task };
    const listed = structured<{ tasks: TaskShape[] }>(await h.call('list_tasks'));
    expect(listed.tasks.map((item) => item.task_id)).toContain(started.task.task_id);
    const one = structured<{ task: TaskShape }>(await h.call('get_task', { task_id: started.task.task_id }));
    expect(one.task.task_id).toBe(started.task.task_id);
    const progress: Progress[] = [];
    const waited = (await h.client.callTool({ name: 'wait_task', arguments: { task_id: started.task.task_id } }, CallToolResultSchema, {
      onprogress: (update) => progress.push(update),
    })) as CallToolResult;
    const done = structured<{ status: string; task: TaskShape }>(waited);
    expect(done.status).toBe('finished');
    expect(done.task.finished).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    const values = progress.map((update) => update.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
    expect(progress[0]?.message).toContain(started.task.task_id);
  });

  it('answers a wait that outlasts timeout_s with status not_finished, not an error', async () => {
    const h = await open({ simulator: { taskDurationMs: 60_000 } });
    const task = await startImageTask(h, 'slow');
    if (task === undefined) return;
    const started = { task };
    const result = await h.call('wait_task', { task_id: started.task.task_id, timeout_s: 1 });
    const waited = structured<{ status: string; message: string; task: TaskShape }>(result);
    expect(waited.status).toBe('not_finished');
    expect(waited.task.finished).toBe(false);
    expect(waited.message).toContain('wait_task again');
  });

  it('stops waiting at once when the client cancels the request', async () => {
    const h = await open({ simulator: { taskDurationMs: 60_000 } });
    const task = await startImageTask(h, 'cancelled');
    if (task === undefined) return;
    const started = { task };
    const controller = new AbortController();
    let progressed!: () => void;
    const firstProgress = new Promise<void>((resolve) => {
      progressed = resolve;
    });
    const call = h.client.callTool({ name: 'wait_task', arguments: { task_id: started.task.task_id, timeout_s: 60 } }, CallToolResultSchema, {
      signal: controller.signal,
      onprogress: () => progressed(),
    });
    await firstProgress;
    controller.abort('user pressed stop');
    await expect(call).rejects.toThrow();
    const polls = (): number => h.sim.stats.requests.filter((request) => request.api.includes('Task')).length;
    // Long enough for a poll already on its way when the cancellation came to arrive on a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const afterCancel = polls();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(polls()).toBe(afterCancel);
  });
});

describe('write tools', () => {
  it('powers a VM on and waits until it runs, with progress; a second power_on reports "already"', async () => {
    const h = await open();
    const progress: Progress[] = [];
    const result = (await h.client.callTool({ name: 'power_on', arguments: { vm: 'win10', wait: true } }, CallToolResultSchema, {
      onprogress: (update) => progress.push(update),
    })) as CallToolResult;
    const on = structured<{ status: string; vm: VmBriefShape }>(result);
    expect(on.status).toBe('done');
    expect(on.vm.status).toBe('running');
    expect(simStatus(h, 'win10')).toBe('running');
    expect(progress.length).toBeGreaterThan(0);
    const again = structured<{ status: string; message: string }>(await h.call('power_on', { vm: 'win10' }));
    expect(again.status).toBe('already');
    expect(again.message).toContain('already running');
  });

  it('sends power_on without waiting when wait is false, naming how to follow it', async () => {
    const h = await open({ simulator: { powerSettleMs: 5_000 } });
    if (compact()) {
      // The seeds' PowerOn takes no host: said before anything is sent.
      expect(errorText(await h.call('power_on', { vm: 'win10', host: 'nas-02' }))).toMatch(/cannot choose the host/);
      expect(simStatus(h, 'win10')).toBe('shutdown');
      return;
    }
    const on = structured<{ status: string; message: string; vm: VmBriefShape }>(await h.call('power_on', { vm: 'win10', host: 'nas-02' }));
    expect(on.status).toBe('requested');
    expect(on.vm.status).toBe('booting');
    expect(on.message).toContain('get_vm');
    expect(h.sim.state.vmNamed('win10')?.host_id).toBe(h.sim.state.hostNamed('nas-02')?.id);
  });

  it('shuts a VM down gracefully and waits until it is stopped', async () => {
    const h = await open();
    const off = structured<{ status: string; vm: VmBriefShape }>(await h.call('shutdown', { vm: 'web-01', wait: true }));
    expect(off).toMatchObject({ status: 'done', vm: { name: 'web-01', status: 'stopped' } });
    expect(simStatus(h, 'web-01')).toBe('shutdown');
  });

  if (each.reboots) {
    it('reboots a running VM where the dialect can: running -> booting -> running, with nothing else sent', async () => {
      const clock = new ManualClock();
      const h = await open({ simulator: { clock } });
      structured(await h.call('list_targets'));
      const before = h.sim.stats.requests.length;
      const requested = structured<{ status: string; vm: VmBriefShape }>(await h.call('reboot', { vm: 'web-01' }));
      expect(requested).toMatchObject({ status: 'requested', vm: { name: 'web-01', status: 'booting' } });
      // The name resolved from the list (this dialect's get is not known to take a name), the VM read, the
      // reboot itself and the VM read after it, each guest read with the storage list that places it on a
      // host (this dialect names none); nothing else reaches the box, not even a login.
      const sent = h.sim.stats.requests.slice(before).map((request) => `${request.api.replace('SYNO.Virtualization.', '')} ${request.method} ${request.params.action ?? ''}`.trim());
      expect(sent).toEqual([
        'Guest list', 'API.Storage list', 'Guest get', 'API.Storage list', 'Guest.Action pwr_ctl reboot', 'Guest get', 'API.Storage list',
      ]);
      expect(simStatus(h, 'web-01')).toBe('booting');
      clock.advance(FAST.powerSettleMs ?? 0);
      expect(simStatus(h, 'web-01')).toBe('running');
      expect(structured<{ vm: VmDetailsShape }>(await h.call('get_vm', { vm: 'web-01' })).vm.status).toBe('running');
      const waiting = h.call('reboot', { vm: 'web-01', wait: true, timeout_s: 30 });
      await vi.waitFor(() => expect(simStatus(h, 'web-01')).toBe('booting'), { timeout: 20_000, interval: 5 });
      clock.advance(FAST.powerSettleMs ?? 0);
      expect(structured<{ status: string; vm: VmBriefShape }>(await waiting)).toMatchObject({ status: 'done', vm: { status: 'running' } });
    });
  }

  if (each.reboots) {
    it('refuses to reboot a stopped VM from the status it read, sending nothing that changes it, naming power_on', async () => {
      const h = await open();
      structured(await h.call('list_targets'));
      const before = h.sim.stats.requests.length;
      const text = errorText(await h.call('reboot', { vm: 'win10' }));
      expect(h.sim.stats.requests.slice(before).map((request) => `${request.api.replace('SYNO.Virtualization.', '')} ${request.method}`)).toEqual([
        'Guest list', 'API.Storage list', 'Guest get', 'API.Storage list',
      ]);
      expect(simStatus(h, 'win10')).toBe('shutdown');
      expect(text).toContain('VM win10 is stopped, so there is nothing to reboot');
      expect(text).toContain('Next: start it with power_on instead');
      expect(h.auditEntries().filter((entry) => entry.outcome !== 'started').map((entry) => `${String(entry.tool)} ${String(entry.outcome)}`)).toEqual(['reboot error']);
    });
  }

  it('creates a VM from parts, waits for the task, and sets CPU and RAM afterwards', async () => {
    const h = await open();
    if (!official()) {
      const text = errorText(await h.call('create_vm', { name: 'app-01', storage: 'nas-01 - VM Storage 1', disks: [{ size_gb: 10 }] }));
      expect(text).toContain(setup.style);
      expect(text).toMatch(/Next: .*web UI/);
      expect(h.sim.state.vmNamed('app-01')).toBeUndefined();
      return;
    }
    const created = structured<{ status: string; vm: VmBriefShape; task: TaskShape; remaining: string[] }>(
      await h.call('create_vm', {
        name: 'app-01',
        storage: 'nas-01 - VM Storage 1',
        vcpus: 2,
        ram_mb: 2048,
        disks: [{ image: 'debian-12-cloud' }, { size_gb: 10 }],
        networks: ['Default VM Network'],
        wait: true,
      }),
    );
    expect(created.status).toBe('done');
    expect(created.remaining).toEqual([]);
    expect(created.vm).toMatchObject({ name: 'app-01', vcpus: 2, ram_mb: 2048 });
    const { vm } = structured<{ vm: VmDetailsShape }>(await h.call('get_vm', { vm: created.vm.id }));
    expect(vm.disks).toHaveLength(2);
    expect(h.sim.state.vmNamed('app-01')).toMatchObject({ vcpus: 2, ram_mb: 2048 });
  });

  it('starts a VM creation without waiting and returns the task to follow', async () => {
    const h = await open();
    if (!official()) {
      expect(errorText(await h.call('create_vm', { name: 'app-02', storage: 'nas-02 - VM Storage 1', disks: [{ size_gb: 8 }], vcpus: 1 }))).toContain(setup.style);
      return;
    }
    const started = structured<{ status: string; task: TaskShape; remaining: string[]; message: string }>(
      await h.call('create_vm', { name: 'app-02', storage: 'nas-02 - VM Storage 1', disks: [{ size_gb: 8 }], vcpus: 1 }),
    );
    expect(started.status).toBe('started');
    expect(started.message).toContain('wait_task');
    expect(started.remaining.join(' ')).toContain('vcpus=1');
    const done = structured<{ status: string; task: TaskShape }>(await h.call('wait_task', { task_id: started.task.task_id }));
    expect(done.status).toBe('finished');
    expect(h.sim.state.vmNamed('app-02')).toBeDefined();
  });

  it('creates a VM from an image in one call, sized and powered on', async () => {
    const h = await open();
    if (!official()) {
      const text = errorText(await h.call('create_vm_from_image', { name: 'web-02', image: 'debian-12-cloud', storage: 'nas-01 - VM Storage 1' }));
      expect(text).toMatch(/Next: /);
      expect(h.sim.state.vmNamed('web-02')).toBeUndefined();
      return;
    }
    const created = structured<{ status: string; vm: VmBriefShape; warnings: string[] }>(
      await h.call('create_vm_from_image', {
        name: 'web-02',
        image: 'debian-12-cloud',
        storage: 'nas-01 - VM Storage 1',
        network: 'Lab Network',
        vcpus: 1,
        ram_mb: 1024,
        size_gb: 5,
        power_on: true,
      }),
    );
    expect(created.status).toBe('done');
    expect(created.vm).toMatchObject({ name: 'web-02', vcpus: 1, ram_mb: 1024, status: 'running' });
    const { vm } = structured<{ vm: VmDetailsShape }>(await h.call('get_vm', { vm: 'web-02' }));
    expect(vm.disks.map((disk) => disk.size_gb)).toContain(5);
    expect(vm.nics[0]?.network).toBe('Lab Network');
    expect(simStatus(h, 'web-02')).toBe('running');
  });

  it('renames a VM and changes its description and autorun', async () => {
    const h = await open();
    if (compact()) {
      expect(errorText(await h.call('update_vm', { vm: 'win10', new_name: 'win11', description: 'upgraded', autorun: 'on' }))).toMatch(/cannot change a VM's name/);
      structured(await h.call('update_vm', { vm: 'win10', autorun: 'on' }));
      expect(structured<{ vm: VmDetailsShape }>(await h.call('get_vm', { vm: 'win10' })).vm.autorun).toBe('on');
      return;
    }
    const updated = structured<{ status: string; changed: string[]; vm: VmBriefShape }>(
      await h.call('update_vm', { vm: 'win10', new_name: 'win11', description: 'upgraded', autorun: 'on' }),
    );
    expect(updated.status).toBe('updated');
    expect(updated.vm).toMatchObject({ name: 'win11' });
    expect(structured<{ vm: VmDetailsShape }>(await h.call('get_vm', { vm: 'win11' })).vm).toMatchObject({ description: 'upgraded', autorun: 'on' });
    expect(updated.changed.join(', ')).toContain('"win10" -> "win11"');
    expect(h.sim.state.vmNamed('win11')).toBeDefined();
  });

  it('refuses a CPU change on a running VM before calling DSM, saying to shut it down first', async () => {
    const h = await open();
    const text = errorText(await h.call('update_vm', { vm: 'web-01', vcpus: 4 }));
    expect(text).toContain('update_vm refused: VM "web-01" is running, and only a stopped VM can change vcpus or ram_mb; nothing was changed');
    expect(text).toMatch(/Next: stop it first: shutdown with wait: true .*, or power_off /);
    expect(h.sim.stats.requests.some((request) => request.method.toLowerCase() === 'set')).toBe(false);
    expect(h.sim.state.vmNamed('web-01')?.vcpus).toBe(2);
  });

  it('creates an image (from a file, or from a VM where the API has only that) and reports the task', async () => {
    const h = await open();
    const task = await startImageTask(h, 'alpine');
    if (task === undefined) return;
    structured(await h.call('wait_task', { task_id: task.task_id }));
    const images = structured<{ images: Array<{ name: string }> }>(await h.call('list_images'));
    expect(images.images.map((image) => image.name)).toContain('alpine');
  });

  it('runs destructive tools directly when the policy allows them', async () => {
    const h = await open({ policy: { destructive: 'allow' } });
    const off = structured<{ status: string }>(await h.call('power_off', { vm: 'web-01', wait: true }));
    expect(off.status).toBe('done');
    expect(simStatus(h, 'web-01')).toBe('shutdown');
    const deleted = structured<{ status: string; deleted: { name: string } }>(await h.call('delete_vm', { vm: 'web-01' }));
    expect(deleted).toMatchObject({ status: 'deleted', deleted: { name: 'web-01' } });
    expect(h.sim.state.vmNamed('web-01')).toBeUndefined();
    if (internal()) {
      expect(errorText(await h.call('delete_image', { image: 'ubuntu-24.04-live.iso' }))).toContain('SYNO.Virtualization.Image');
      return;
    }
    const image = structured<{ status: string }>(await h.call('delete_image', { image: 'ubuntu-24.04-live.iso' }));
    expect(image.status).toBe('deleted');
    expect([...h.sim.state.images.values()].map((item) => item.name)).not.toContain('ubuntu-24.04-live.iso');
  });
});

describe('backend requests per call', () => {
  /** DSM 7's internal dialect: what its `get` does with a name is not known, so a name is resolved from the list. */
  const readsByName = (): boolean => !internal();

  /** The guest requests (reads and writes, not the inventory lookups around them) one tool call made, as "method" plus the guest named. */
  async function guestRequestsOf(h: Harness, tool: string, args: Record<string, unknown>): Promise<string[]> {
    const before = h.sim.stats.requests.length;
    const result = await h.call(tool, args);
    expect(result.isError, textOf(result)).not.toBe(true);
    return h.sim.stats.requests
      .slice(before)
      .filter((request) => /\.Guest(\.Action)?$/.test(request.api))
      .map((request) => {
        const named = request.params.guest_name === undefined ? '' : ` "${request.params.guest_name}"`;
        return `${request.method.toLowerCase()}${named}`;
      });
  }

  it('answers get_vm by name with one get that names the VM, where the API reads a VM by name', async () => {
    const h = await open();
    await h.call('get_vm', { vm: 'win10' });
    const byName = await guestRequestsOf(h, 'get_vm', { vm: 'db-01' });
    if (readsByName()) expect(byName).toEqual(['get "db-01"']);
    else expect(byName.filter((request) => request === 'list')).toHaveLength(1);
    const id = h.sim.state.vmNamed('db-01')?.id;
    expect(await guestRequestsOf(h, 'get_vm', { vm: id })).toEqual(['get']);
  });

  it.each([
    ['power_on', { vm: 'win10' }],
    ['shutdown', { vm: 'web-01' }],
    ['update_vm', { vm: 'lab-router', autorun: 'on' }],
    ['power_off', { vm: 'db-01' }],
    ['delete_vm', { vm: 'ci runner (old)' }],
  ])('resolves the VM of %s with that one get, and never lists the VMs, where the API reads a VM by name', async (tool, args) => {
    const h = await open({ policy: { destructive: 'allow' } });
    await h.call('get_vm', { vm: 'win10' });
    const sent = await guestRequestsOf(h, tool, args);
    const firstChange = sent.findIndex((request) => !request.startsWith('get') && request !== 'list');
    expect(firstChange).toBeGreaterThan(0);
    if (readsByName()) {
      expect(sent.slice(0, firstChange)).toEqual([`get "${args.vm}"`]);
      expect(sent.filter((request) => request === 'list')).toEqual([]);
    } else {
      expect(sent.slice(0, firstChange).filter((request) => request === 'list')).toHaveLength(1);
    }
  });
});

if (each.style === 'dsm-official') {
  describe('image sizes on the official API', () => {
    it('joins the internal image list by image_id where discovery lists it, with one request beside the guide list, none where it does not', async () => {
      const h = await open();
      structured(await h.call('list_targets'));
      const before = h.sim.stats.requests.length;
      const images = structured<{ images: Array<{ id: string; size_gb?: number }> }>(await h.call('list_images'));
      const sent = h.sim.stats.requests.slice(before).map((request) => `${request.api} ${request.method}`);
      if (setup.simulator.dsmVersion === 6) {
        expect(sent).toEqual(['SYNO.Virtualization.API.Guest.Image list']);
        expect(images.images.filter((image) => image.size_gb !== undefined)).toEqual([]);
        return;
      }
      expect(sent.sort()).toEqual(['SYNO.Virtualization.API.Guest.Image list', 'SYNO.Virtualization.Image list']);
      expect(images.images.map((image) => [image.id, image.size_gb])).toEqual(
        [...h.sim.state.images.values()].map((image) => [image.id, Math.round((image.size_mb / 1024) * 100) / 100]),
      );
    });

    if (each.simulator.dsmVersion !== 6) {
      it('still lists the images, without sizes, when the internal list fails, and logs why', async () => {
        const h = await open();
        structured(await h.call('list_targets'));
        // Every attempt of the read (the first and its two retries) answers HTTP 500.
        h.sim.faults.failNext(3, { kind: 'http500', match: { api: 'SYNO.Virtualization.Image' } });
        const failed = structured<{ images: Array<{ name: string; size_gb?: number }>; total: number }>(await h.call('list_images'));
        expect(failed.total).toBe(3);
        expect(failed.images.filter((image) => image.size_gb !== undefined)).toEqual([]);
        expect(h.logLines.filter((line) => line.includes('SYNO.Virtualization.Image list failed, so images are listed without their sizes'))).not.toEqual([]);
        const again = structured<{ images: Array<{ size_gb?: number }> }>(await h.call('list_images'));
        expect(again.images.every((image) => typeof image.size_gb === 'number')).toBe(true);
      });
    }
  });
}

describe('errors', () => {
  it('names the field and the rule when the schema rejects an argument', async () => {
    const h = await open();
    const tooMany = errorText(await h.call('update_vm', { vm: 'win10', vcpus: 0 }));
    expect(tooMany).toContain('Invalid arguments for update_vm');
    expect(tooMany).toMatch(/vcpus: .*>=1/);
    const unknown = errorText(await h.call('get_vm', { vm: 'win10', verbose: true }));
    expect(unknown).toContain('verbose');
    const wrongType = errorText(await h.call('list_vms', { limit: 'many' }));
    expect(wrongType).toMatch(/limit: .*number/);
    const control = errorText(await h.call('create_vm', { name: 'bad\u0007name', storage: 'x', disks: [{ size_gb: 1 }] }));
    expect(control).toMatch(/name: must not contain control characters/);
  });

  it('keeps unknown tools a protocol error', async () => {
    const h = await open();
    await expect(h.call('reboot_everything', {})).rejects.toThrow(/Unknown tool: reboot_everything/);
  });

  it('refuses an ambiguous name, listing the candidates with their ids', async () => {
    const h = await open();
    // VM names are unique in VMM and read by name where the API can; image names are not unique. The
    // internal box resolves VM names from the list and has no image API, so there two VMs share a name.
    let originalId: string;
    let text: string;
    if (internal()) {
      const vm = h.sim.state.vmNamed('win10');
      if (vm === undefined) throw new Error('win10 missing from the inventory');
      originalId = vm.id;
      h.sim.state.addVm({ ...vm, id: 'twin-of-it', disks: [], nics: [] });
      text = errorText(await h.call('get_vm', { vm: 'win10' }));
      expect(text).toContain('2 VMs are named "win10"');
    } else {
      const image = h.sim.state.imageNamed('debian-12-cloud');
      if (image === undefined) throw new Error('debian-12-cloud missing from the inventory');
      originalId = image.id;
      h.sim.state.images.set('twin-of-it', { ...image, id: 'twin-of-it' });
      text = errorText(await h.call('delete_image', { image: 'debian-12-cloud' }));
      expect(text).toContain('2 images are named "debian-12-cloud"');
    }
    expect(text).toContain(originalId);
    expect(text).toContain('twin-of-it');
    expect(text).toMatch(/Next: .*id/);
  });

  it('suggests similar names when a VM does not exist', async () => {
    const h = await open();
    const text = errorText(await h.call('get_vm', { vm: 'web' }));
    expect(text).toContain('"web-01"');
    expect(text).toContain('Next: call list_vms');
  });

  it('reports a DSM refusal with the code, its meaning, the numbers and the next step', async () => {
    const h = await open();
    structured(await h.call('update_vm', { vm: 'win10', ram_mb: 65_536 }));
    const text = errorText(await h.call('power_on', { vm: 'win10' }));
    expect(text).toContain('power_on failed');
    expect(text).toMatch(/DSM error 903 \([^)]+\)/);
    expect(text).toContain('65536 MiB');
    expect(text).toContain('Next:');
    expect(simStatus(h, 'win10')).toBe('shutdown');
  });

  it('explains an operation the DSM API style cannot do, with what to do instead', async () => {
    const h = await open();
    structured(await h.call('list_vms', {}));
    if (official()) {
      const text = errorText(await h.call('create_image', { name: 'from-vm', vm: 'win10' }));
      expect(text).toContain('dsm-official');
      expect(text).toMatch(/Next: .*ds_file_path/);
      return;
    }
    const text = errorText(await h.call('create_vm', { name: 'app-03', storage: 'nas-01 - VM Storage 1', disks: [{ size_gb: 8 }] }));
    expect(text).toContain(setup.style);
    expect(text).toMatch(/Next: .*web UI/);
    expect(h.sim.state.vmNamed('app-03')).toBeUndefined();
  });

  it('shows the API style it settled on in list_targets, having asked the box at most once in a wrong dialect', async () => {
    const h = await open();
    const { targets } = structured<{ targets: Array<{ name: string; reachable: boolean; api_style?: string }> }>(await h.call('list_targets'));
    expect(targets).toEqual([expect.objectContaining({ name: 'nas', reachable: true, api_style: setup.style })]);
    structured(await h.call('list_vms', {}));
    structured(await h.call('get_vm', { vm: 'win10' }));
    structured(await h.call('power_on', { vm: 'win10' }));
    const wrongDialect = h.sim.stats.requests.filter((request) => request.api === 'SYNO.Virtualization.Guest' && /^[a-z]/.test(request.method) !== internal());
    expect(wrongDialect.length).toBe(compact() ? 1 : 0);
  });

  it('reports a missing task as not found with what to do next', async () => {
    const h = await open();
    const text = errorText(await h.call('get_task', { task_id: 'no-such-task' }));
    expect(text).toContain('no-such-task');
    expect(text).toContain('Next: call list_tasks');
  });

  it('never shows the password or the session id in results or log lines', async () => {
    const h = await open({ policy: { destructive: 'allow' } });
    const results: CallToolResult[] = [
      await h.call('list_vms', {}),
      await h.call('get_vm', { vm: 'web-01' }),
      await h.call('power_on', { vm: 'win10', wait: true }),
      await h.call('power_on', { vm: 'nope' }),
      await h.call('update_vm', { vm: 'web-01', vcpus: 8 }),
      await h.call('power_off', { vm: 'win10' }),
    ];
    const sids = new Set(h.sim.stats.requests.map((request) => request.params._sid).filter((sid): sid is string => sid !== undefined && sid !== ''));
    expect(sids.size).toBeGreaterThan(0);
    const everything = [...results.map((result) => JSON.stringify(result)), ...h.logLines].join('\n');
    expect(everything).not.toContain(DEMO_USER.password);
    for (const sid of sids) expect(everything).not.toContain(sid);
  });
});
});
