import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LoggingMessageNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTargetRuntimes, closeTargetRuntimes } from '../src/runtime.js';
import type { Logger } from '../src/log.js';
import { DEFAULT_POLICY } from '../src/safety/policy.js';
import { createServer, type TargetRuntime } from '../src/server.js';
import { DEMO_USER, startSimulator, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { TOOL_DEFINITIONS } from '../src/tools/index.js';
import type { HttpServerHandle } from '../src/transports/http.js';
import { serveHttp, type HttpSettings } from '../src/transports/serve-http.js';
import { capturingLogger, connectClient, rawRequest } from './http-helpers.js';

/** A DSM offers neither reboot nor image rename/copy, so a server with only DSM targets does not list them. */
const DSM_TOOLS = TOOL_DEFINITIONS.filter((tool) => !['reboot', 'update_image', 'copy_image'].includes(tool.name));

/**
 * The HTTP transport in front of the real MCP server, whose target is a simulated DSM over real HTTP:
 * several clients, each with its own MCP session and its own confirmations, one DSM session behind them.
 */

const TOKEN = 'http-server-test-token-0123456789';
const SETTINGS: HttpSettings = {
  http_host: '127.0.0.1',
  http_port: 0,
  http_allow_remote: false,
  http_token: TOKEN,
  http_allowed_hosts: undefined,
  http_allowed_origins: undefined,
  http_max_sessions: 200,
  http_session_idle_s: 600,
};

interface Setup {
  sim: SimulatorHandle;
  targets: TargetRuntime[];
  http: HttpServerHandle;
  stderr: string[];
  logLines: string[];
  /** The process-wide logger (the DSM clients log through it). */
  logger: Logger;
}

let setup: Setup;

async function startSetup(settings: HttpSettings = SETTINGS): Promise<Setup> {
  const sim = await startSimulator({ powerSettleMs: 40, taskDurationMs: 80 });
  const { logger, lines: logLines } = capturingLogger();
  const targets = buildTargetRuntimes(
    [{ name: 'nas', type: 'synology', connection: { url: sim.url, username: DEMO_USER.account, password: DEMO_USER.password }, policy: DEFAULT_POLICY }],
    logger,
  );
  const stderr: string[] = [];
  const http = await serveHttp(settings, (sessionLogger) => createServer({ targets, logger: sessionLogger }), targets, logger, (text) => stderr.push(text));
  return { sim, targets, http, stderr, logLines, logger };
}

async function stopSetup({ http, targets, sim, logLines }: Setup): Promise<void> {
  await http.close();
  const { logger } = capturingLogger();
  await closeTargetRuntimes(targets, logger);
  await sim.close();
  expect(logLines.join('\n')).not.toContain(TOKEN);
}

function structured<T>(result: CallToolResult): T {
  expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
  return result.structuredContent as T;
}

function errorText(result: CallToolResult): string {
  expect(result.isError).toBe(true);
  return (result.content as Array<{ text: string }>).map((item) => item.text).join('');
}

/** The text of every MCP log message the client receives, in order. */
function collectLogs(client: Client): string[] {
  const received: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    received.push(JSON.stringify(notification.params.data));
  });
  return received;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function health(http: HttpServerHandle): Promise<{ status: number; body: string }> {
  const response = await rawRequest(http.url.replace(/\/mcp$/, '/healthz'));
  return { status: response.status, body: response.body };
}

describe('MCP over HTTP against a simulated DSM', () => {
  beforeEach(async () => {
    setup = await startSetup();
  });

  afterEach(async () => {
    await stopSetup(setup);
  });

  it('serves two concurrent clients, each listing every tool and the VMs, over one shared DSM session', async () => {
    const [a, b] = await Promise.all([connectClient(setup.http.url, TOKEN, 'a'), connectClient(setup.http.url, TOKEN, 'b')]);
    const [toolsA, toolsB] = await Promise.all([a.client.listTools(), b.client.listTools()]);
    const expected = DSM_TOOLS.map((tool) => tool.name).sort();
    expect(toolsA.tools.map((tool) => tool.name).sort()).toEqual(expected);
    expect(toolsB.tools.map((tool) => tool.name).sort()).toEqual(expected);

    const listings = await Promise.all([
      a.client.callTool({ name: 'list_vms', arguments: {} }),
      b.client.callTool({ name: 'list_vms', arguments: {} }),
      a.client.callTool({ name: 'list_vms', arguments: { limit: 1 } }),
      b.client.callTool({ name: 'list_vms', arguments: { limit: 1 } }),
    ]);
    const totals = listings.map((result) => structured<{ total: number }>(result as CallToolResult).total);
    expect(totals[0]).toBeGreaterThan(0);
    expect(new Set(totals).size).toBe(1);
    expect(setup.sim.stats.logins).toBe(1);
    await Promise.all([a.client.close(), b.client.close()]);
  });

  it('refuses in client B a confirm_token that client A obtained, and lets A use it', async () => {
    const a = await connectClient(setup.http.url, TOKEN, 'a');
    const b = await connectClient(setup.http.url, TOKEN, 'b');
    const victim = setup.sim.state.vmNamed('win10');
    expect(victim?.status).toBe('shutdown');
    const args = { vm: victim?.id as string };

    const asked = structured<{ status: string; confirm_token: string }>((await a.client.callTool({ name: 'delete_vm', arguments: args })) as CallToolResult);
    expect(asked.status).toBe('confirmation_required');

    const stolen = (await b.client.callTool({ name: 'delete_vm', arguments: { ...args, confirm_token: asked.confirm_token } })) as CallToolResult;
    expect(errorText(stolen)).toContain('not one this server issued');
    expect(setup.sim.state.vms.has(victim?.id as never)).toBe(true);

    const confirmed = structured<{ status: string }>(
      (await a.client.callTool({ name: 'delete_vm', arguments: { ...args, confirm_token: asked.confirm_token } })) as CallToolResult,
    );
    expect(confirmed.status).toBe('deleted');
    expect(setup.sim.state.vms.has(victim?.id as never)).toBe(false);
    await Promise.all([a.client.close(), b.client.close()]);
  });

  it('forwards the audit line of a call only to the client that made it, process-wide lines to every client that asked for logs, and transport lines to none', async () => {
    const a = await connectClient(setup.http.url, TOKEN, 'a');
    const b = await connectClient(setup.http.url, TOKEN, 'b');
    const logsA = collectLogs(a.client);
    const logsB = collectLogs(b.client);
    await Promise.all([a.client.setLoggingLevel('info'), b.client.setLoggingLevel('info')]);
    // A process-wide line reaches both, which also shows that both log streams are open.
    setup.logger.warning('process-wide line one');
    await until(() => [logsA, logsB].every((logs) => logs.some((line) => line.includes('process-wide line one'))));

    const c = await connectClient(setup.http.url, TOKEN, 'c');
    await c.client.close();
    const vm = setup.sim.state.vmNamed('web-01');
    const changed = await a.client.callTool({ name: 'update_vm', arguments: { vm: vm?.id, description: 'client A secret plan' } });
    structured(changed as CallToolResult);
    // B's stream is ordered: once the next process-wide line arrives, an audit line sent to B before it would have too.
    setup.logger.warning('process-wide line two');
    await until(() => [logsA, logsB].every((logs) => logs.some((line) => line.includes('process-wide line two'))));

    expect(logsA.some((line) => line.includes('audit: update_vm') && line.includes('client A secret plan'))).toBe(true);
    expect(logsB.filter((line) => line.includes('update_vm') || line.includes('client A secret plan'))).toEqual([]);
    // Session ids are the operator's business (stderr); a client that knew another's could act in its session.
    expect([...logsA, ...logsB].filter((line) => line.includes('MCP session'))).toEqual([]);
    expect(setup.logLines.join('\n')).toContain('MCP session opened');
    await Promise.all([a.client.close(), b.client.close()]);
  });

  it('reports on /healthz whether the DSM session is live, without the token or the DSM password', async () => {
    const before = await health(setup.http);
    expect(before.status).toBe(200);
    expect(JSON.parse(before.body)).toEqual({ status: 'ok', targets: [{ name: 'nas', session_live: false }] });

    const a = await connectClient(setup.http.url, TOKEN);
    await a.client.callTool({ name: 'list_vms', arguments: {} });
    const after = await health(setup.http);
    expect(JSON.parse(after.body)).toEqual({ status: 'ok', targets: [{ name: 'nas', session_live: true }] });
    for (const secret of [TOKEN, DEMO_USER.password]) expect(after.body).not.toContain(secret);
    await a.client.close();
  });

  it('prints the URL on stderr, and never a token the user chose', () => {
    const printed = setup.stderr.join('');
    expect(printed).toContain(setup.http.url);
    expect(printed).not.toContain(TOKEN);
  });
});

describe('MCP over HTTP without VMM_HTTP_TOKEN', () => {
  it('generates a token, prints it once on stderr, and accepts only it', async () => {
    const local = await startSetup({ ...SETTINGS, http_token: undefined });
    try {
      const printed = local.stderr.join('');
      const token = /bearer token for this run[^:]*: (\S+)/.exec(printed)?.[1];
      expect(token?.length).toBeGreaterThanOrEqual(32);
      expect(printed.split(token as string)).toHaveLength(2);
      const a = await connectClient(local.http.url, token as string);
      expect((await a.client.listTools()).tools.length).toBe(DSM_TOOLS.length);
      await a.client.close();
      await expect(connectClient(local.http.url, TOKEN)).rejects.toThrow();
      expect(local.logLines.join('\n')).not.toContain(token);
    } finally {
      await stopSetup(local);
    }
  });
});
