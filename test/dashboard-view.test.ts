import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostDashboard, launchChromium, setHostTheme, type Browser, type HostedDashboard, type HostOptions } from './dashboard-browser.js';
import { structured } from './mcp-harness.js';

/**
 * The dashboard view in headless Chromium, hosted as an MCP Apps host would host it, against the real
 * server and simulated DSMs. Every wait is for a condition (a locator, a poll), never for a fixed time.
 */

/** The README shows this picture; the first test writes it. */
export const SCREENSHOT = fileURLToPath(new URL('../docs/dashboard.png', import.meta.url));

const WAIT = { timeout: 30_000 };

let browser: Browser;
let hosted: HostedDashboard | undefined;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  const problems = hosted?.problems ?? [];
  const requests = hosted?.requests ?? [];
  await hosted?.close();
  hosted = undefined;
  expect(problems, 'console errors in the page or the view').toEqual([]);
  expect(requests, 'the view has no network access: nothing may be requested').toEqual([]);
});

async function open(options: HostOptions = {}): Promise<HostedDashboard> {
  hosted = await hostDashboard(browser, options);
  return hosted;
}

function vmRow(h: HostedDashboard, target: string, vm: string) {
  return h.view.locator(`section[data-target="${target}"] tr[data-vm="${vm}"]`);
}

function simStatus(h: HostedDashboard, vm: string): string | undefined {
  return h.harness.sim.state.vmNamed(vm)?.status;
}

describe('the dashboard view', { timeout: 120_000 }, () => {
  it('renders the demo cluster: the simulator\'s VM names in the table, and bars with the hosts\' figures', async () => {
    const h = await open({
      targets: [{ name: 'nas', policy: { protect: ['db-*'] } }, { name: 'backup', policy: { readOnly: true }, simulator: { inventory: { vms: 3 } } }],
      viewport: { width: 1000, height: 1600 },
    });
    const rows = h.view.locator('section[data-target="nas"] tbody tr');
    await expect.poll(() => rows.count(), WAIT).toBe(h.harness.sim.state.vms.size);
    const names = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-vm')));
    expect(names.sort()).toEqual([...h.harness.sim.state.vms.values()].map((vm) => vm.name).sort());

    const hosts = structured<{ hosts: Array<{ name: string; cpu_threads: { free: number; total: number }; ram_mb: { free: number; total: number } }> }>(
      await h.harness.call('list_hosts', { target: 'nas' }),
    ).hosts;
    expect(hosts.length).toBeGreaterThan(0);
    for (const host of hosts) {
      const card = h.view.locator(`section[data-target="nas"] [data-host="${host.name}"]`);
      const [cpu, ram] = await card.locator('.bar').evaluateAll((bars) =>
        bars.map((bar) => ({
          used: Number(bar.getAttribute('data-used')),
          total: Number(bar.getAttribute('data-total')),
          width: bar.firstElementChild?.getAttribute('style'),
        })),
      );
      const cpuUsed = host.cpu_threads.total - host.cpu_threads.free;
      const ramUsed = host.ram_mb.total - host.ram_mb.free;
      expect(cpu).toEqual({ used: cpuUsed, total: host.cpu_threads.total, width: `width:${Math.round((cpuUsed / host.cpu_threads.total) * 100)}%` });
      expect(ram).toEqual({ used: ramUsed, total: host.ram_mb.total, width: `width:${Math.round((ramUsed / host.ram_mb.total) * 100)}%` });
      await expect.poll(() => card.textContent(), WAIT).toContain(`${cpuUsed} / ${host.cpu_threads.total} threads`);
    }
    await expect.poll(() => h.view.locator('section[data-target="backup"] tbody tr').count(), WAIT).toBe(3);
    await expect.poll(() => h.view.getByTestId('summary').textContent(), WAIT).toContain('2 targets');

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    writeFileSync(SCREENSHOT, await h.page.locator('iframe#app').screenshot({ animations: 'disabled' }));
  });

  it('powers a VM on from the view: the simulator runs it, the view shows it, the audit log has it, the model is told', async () => {
    const h = await open();
    expect(simStatus(h, 'win10')).toBe('shutdown');
    await vmRow(h, 'nas', 'win10').locator('button[data-action="power_on"]').click(WAIT);
    await expect.poll(() => simStatus(h, 'win10'), WAIT).toBe('running');
    await expect.poll(() => vmRow(h, 'nas', 'win10').locator('[data-col="status"] .pill').getAttribute('data-status'), WAIT).toBe('running');
    expect(h.harness.auditEntries()).toContainEqual(expect.objectContaining({ tool: 'power_on', target: 'nas', outcome: 'ok' }));
    await expect.poll(async () => (await h.modelContext()).join('\n'), WAIT).toMatch(/power_on of VM win10 on target nas/);
    expect((await h.toolCalls()).map((call) => call.name)).toContain('power_on');
  });

  it('deletes from the view only after the confirm click: cancelling the preview changes nothing', async () => {
    const h = await open();
    const row = vmRow(h, 'nas', 'win10');
    await row.locator('button[data-action="delete_vm"]').click(WAIT);
    const confirmation = h.view.getByTestId('confirmation');
    await confirmation.waitFor(WAIT);
    expect(await h.view.getByTestId('consequence').textContent()).toContain('Deletes VM "win10"');
    expect(h.harness.sim.state.vmNamed('win10')).toBeDefined();
    await h.view.getByTestId('cancel').click(WAIT);
    await confirmation.waitFor({ state: 'detached', ...WAIT });
    expect(h.harness.sim.state.vmNamed('win10')).toBeDefined();
    await expect.poll(async () => (await h.modelContext()).join('\n'), WAIT).toMatch(/cancelled delete_vm of VM win10/);

    await row.locator('button[data-action="delete_vm"]').click(WAIT);
    await h.view.getByTestId('confirm').click(WAIT);
    await expect.poll(() => h.harness.sim.state.vmNamed('win10'), WAIT).toBeUndefined();
    await row.waitFor({ state: 'detached', ...WAIT });
    const outcomes = h.harness.auditEntries().filter((entry) => entry.tool === 'delete_vm').map((entry) => entry.outcome);
    expect(outcomes).toEqual(['confirmation_required', 'confirmation_required', 'started', 'ok']);
  });

  it('deletes through the host\'s confirmation form: declining changes nothing, typing the name deletes', async () => {
    const h = await open({ elicitation: true });
    const row = vmRow(h, 'nas', 'win10');
    const form = h.page.locator('#elicitation');
    await row.locator('button[data-action="delete_vm"]').click(WAIT);
    await form.waitFor({ state: 'visible', ...WAIT });
    expect(await h.page.locator('#elicitation-message').textContent()).toContain('win10');
    await h.page.locator('#elicitation-decline').click(WAIT);
    await expect.poll(() => h.view.getByTestId('notice').textContent(), WAIT).toContain('declined');
    expect(h.harness.sim.state.vmNamed('win10')).toBeDefined();

    await row.locator('button[data-action="delete_vm"]').click(WAIT);
    await form.waitFor({ state: 'visible', ...WAIT });
    await form.locator('input').fill('win10');
    await h.page.locator('#elicitation-accept').click(WAIT);
    await expect.poll(() => h.harness.sim.state.vmNamed('win10'), WAIT).toBeUndefined();
    await row.waitFor({ state: 'detached', ...WAIT });
    expect(h.harness.auditEntries().filter((entry) => entry.tool === 'delete_vm').map((entry) => entry.outcome)).toEqual(['refused', 'started', 'ok']);
  });

  it('shows the buttons of a read-only target and of a protected VM disabled, with the reason', async () => {
    const h = await open({ targets: [{ name: 'nas', policy: { protect: ['db-*'] } }, { name: 'backup', policy: { readOnly: true } }] });
    const readOnlyButtons = vmRow(h, 'backup', 'win10').locator('button[data-action]');
    await expect.poll(() => readOnlyButtons.count(), WAIT).toBe(4);
    for (const button of await readOnlyButtons.all()) {
      expect(await button.isDisabled()).toBe(true);
      expect(await button.getAttribute('title')).toContain('read-only (VMM_READ_ONLY)');
    }
    expect(await h.view.locator('section[data-target="backup"] [data-testid="target-lock"]').textContent()).toContain('Read-only target');

    const protectedShutdown = vmRow(h, 'nas', 'db-01').locator('button[data-action="shutdown"]');
    expect(await protectedShutdown.isDisabled()).toBe(true);
    expect(await protectedShutdown.getAttribute('title')).toContain('protected by the VMM_PROTECT pattern "db-*"');
    expect(await vmRow(h, 'nas', 'web-01').locator('button[data-action="shutdown"]').isEnabled()).toBe(true);
    expect((await h.toolCalls()).filter((call) => call.name !== 'show_dashboard')).toEqual([]);
  });

  it('takes the dark theme from the host context, and follows the host when it changes', async () => {
    const h = await open({ theme: 'dark' });
    const html = h.view.locator('html');
    await expect.poll(() => html.getAttribute('data-theme'), WAIT).toBe('dark');
    // The page's globals are not in this (Node) program's types.
    const background = () =>
      h.view.locator('body').evaluate((body) => (globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string } }).getComputedStyle(body).backgroundColor);
    expect(await background()).toBe('rgb(22, 25, 31)');
    await setHostTheme(h.page, 'light');
    await expect.poll(background, WAIT).toBe('rgb(255, 255, 255)');
  });

  it('refreshes itself through the host while a task runs, until the new VM is there', async () => {
    const h = await open({ simulator: { taskDurationMs: 2_000 } });
    structured(await h.harness.call('create_vm', { name: 'fresh-01', storage: 'nas-01 - VM Storage 1', disks: [{ size_gb: 10 }] }));
    await h.view.getByTestId('refresh').click(WAIT);
    await h.view.locator('section[data-target="nas"] [data-testid="tasks"]').waitFor(WAIT);
    await vmRow(h, 'nas', 'fresh-01').waitFor(WAIT);
    await h.view.locator('section[data-target="nas"] [data-testid="tasks"]').waitFor({ state: 'detached', ...WAIT });
    const refreshes = (await h.toolCalls()).filter((call) => call.name === 'show_dashboard').length;
    expect(refreshes).toBeGreaterThan(1);
  });

  it('fails, saying how to install Chromium, where it is missing, rather than passing without a browser', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(/not installed at \/nonexistent\/chromium.*apt-get install -y --no-install-recommends chromium/);
  });

  it('fits a narrow host: no sideways scrolling at 360 px', async () => {
    const h = await open({ viewport: { width: 360, height: 800 } });
    await vmRow(h, 'nas', 'web-01').waitFor(WAIT);
    const overflow = await h.view.locator('html').evaluate((root) => root.scrollWidth - root.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
