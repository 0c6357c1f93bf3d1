import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import { ElicitRequestSchema, type CallToolRequest, type CallToolResult, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { chromium, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { startHarness, type Harness, type HarnessOptions } from './mcp-harness.js';
import { recordOutput } from './setup/output-scan.js';

/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core, a host page
 * (dashboard-host/host.html) that does what an MCP Apps host does, and behind it an SDK client
 * connected in memory to the real server, whose targets talk HTTP to simulated DSMs.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Without the background-networking flags Chromium reaches out at start, which a closed network refuses. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const HOST_PAGE = readFileSync(new URL('./dashboard-host/host.html', import.meta.url), 'utf8');
const UI_EXTENSION = { 'io.modelcontextprotocol/ui': { mimeTypes: [RESOURCE_MIME_TYPE] } };

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Fails, saying how to install it, where Chromium is missing: the browser tests never pass by skipping. */
export async function launchChromium(executable = CHROMIUM): Promise<Browser> {
  if (!existsSync(executable)) {
    throw new Error(
      `Chromium is not installed at ${executable}; the dashboard browser tests need it. On Debian/Ubuntu: `
        + '`sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium` '
        + '(or set CHROMIUM_PATH to a Chromium or Chrome binary). Nothing downloads a browser by itself.',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'vmm-mcp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface HostOptions extends HarnessOptions {
  theme?: 'light' | 'dark';
  /** Whether the host shows the server's confirmation forms (declares form elicitation). */
  elicitation?: boolean;
  viewport?: { width: number; height: number };
}

export interface HostedDashboard {
  harness: Harness;
  page: Page;
  /** The view, inside the host's iframe. */
  view: FrameLocator;
  /** Requests the page tried to send anywhere: the view has no network access, so this stays empty. */
  requests: string[];
  /** Console errors and uncaught exceptions of the page and the view. */
  problems: string[];
  /** The tools/call requests the view sent through the host. */
  toolCalls(): Promise<Array<{ name: string; arguments?: Record<string, unknown> }>>;
  /** What the view told the model through ui/update-model-context, as text. */
  modelContext(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Does what a host does when the model calls show_dashboard: calls the tool, finds the view through
 * the tool's `_meta.ui.resourceUri`, reads it from the server, and renders it with the result.
 */
export async function hostDashboard(browser: Browser, options: HostOptions = {}): Promise<HostedDashboard> {
  let page: Page | undefined;
  const harness = await startHarness({
    ...options,
    clientCapabilities: { extensions: UI_EXTENSION, ...(options.elicitation === true ? { elicitation: { form: {} } } : {}) },
    prepareClient: (client) => {
      if (options.elicitation !== true) return;
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        if (page === undefined) return { action: 'cancel' };
        return (await page.evaluate((params) => (globalThis as unknown as HostWindow).host.elicit(params), request.params)) as ElicitResult;
      });
    },
  });
  const tool = (await harness.client.listTools()).tools.find((candidate) => candidate.name === 'show_dashboard');
  const ui = tool?._meta?.ui as { resourceUri?: string } | undefined;
  if (ui?.resourceUri === undefined) throw new Error('show_dashboard carries no ui.resourceUri');
  const [content] = (await harness.client.readResource({ uri: ui.resourceUri })).contents;
  if (content === undefined || !('text' in content) || content.mimeType !== RESOURCE_MIME_TYPE) throw new Error('the view resource is not an MCP App HTML document');
  const toolResult = await harness.client.callTool({ name: 'show_dashboard', arguments: {} });

  page = await browser.context.newPage();
  if (options.viewport !== undefined) await page.setViewportSize(options.viewport);
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith('about:') && !request.url().startsWith('data:')) requests.push(request.url());
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    recordOutput(message.text());
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.exposeFunction('mcpCallTool', async (params: CallToolRequest['params']): Promise<CallToolResult> => {
    const result = (await harness.client.callTool(params, undefined, { timeout: 300_000 })) as CallToolResult;
    recordOutput(JSON.stringify(result));
    return result;
  });
  await page.setContent(HOST_PAGE);
  await page.evaluate(
    (start) => (globalThis as unknown as HostWindow).host.start(start),
    {
      html: content.text,
      toolInput: {},
      toolResult,
      hostContext: { theme: options.theme ?? 'light', displayMode: 'inline', platform: 'web', locale: 'en-US' },
      hostCapabilities: {
        serverTools: {},
        updateModelContext: { text: {} },
        message: { text: {} },
        logging: {},
      },
    },
  );
  const shown = page;
  return {
    harness,
    page: shown,
    view: shown.frameLocator('iframe#app'),
    requests,
    problems,
    toolCalls: () => shown.evaluate(() => (globalThis as unknown as HostWindow).host.calls),
    modelContext: () =>
      shown.evaluate(() =>
        (globalThis as unknown as HostWindow).host.modelContext.map((update) => (update.content ?? []).map((block) => block.text ?? '').join('\n')),
      ),
    async close() {
      await shown.close();
      await harness.close();
    },
  };
}

interface HostWindow {
  host: {
    start(options: unknown): void;
    elicit(params: unknown): Promise<unknown>;
    setTheme(theme: 'light' | 'dark'): void;
    calls: Array<{ name: string; arguments?: Record<string, unknown> }>;
    modelContext: Array<{ content?: Array<{ text?: string }> }>;
  };
}

/** Switches the host's theme, as a user changing it in the host's settings would. */
export async function setHostTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.evaluate((value) => (globalThis as unknown as HostWindow).host.setTheme(value), theme);
}
