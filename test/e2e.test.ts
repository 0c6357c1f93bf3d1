import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, JSONRPCMessageSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_USER, startSimulator, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { CLI, cleanEnv, finished, spawnCli, StdoutLines } from './cli-harness.js';
import { RecordingStdioTransport } from './e2e-harness.js';

/**
 * The built server, spawned over stdio the way Claude Desktop or Claude Code runs it, doing what an
 * agent does in a day: look, create from an image, power on, shut down, delete with confirmation.
 */

const FAST_SIMULATOR = ['--task-ms', '100', '--power-ms', '50'];
const scratch = mkdtempSync(join(tmpdir(), 'vmm-e2e-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function structured(result: CallToolResult): Record<string, unknown> {
  expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
  const data = result.structuredContent as Record<string, unknown>;
  // The text block carries the same data as compact JSON.
  const text = result.content.find((block) => block.type === 'text');
  expect(text?.type === 'text' ? JSON.parse(text.text) : undefined).toEqual(data);
  return data;
}

async function call(client: Client, name: string, args: Record<string, unknown>, onprogress?: (progress: Progress) => void) {
  const result = (await client.callTool({ name, arguments: args }, CallToolResultSchema, onprogress === undefined ? {} : { onprogress })) as CallToolResult;
  return { result, data: structured(result) };
}

/** Everything the agent saw, for the secret scan. */
interface Day {
  results: CallToolResult[];
  confirmToken: string;
}

async function agentsDay(client: Client): Promise<Day> {
  const results: CallToolResult[] = [];
  const run = async (name: string, args: Record<string, unknown>, onprogress?: (progress: Progress) => void) => {
    const answer = await call(client, name, args, onprogress);
    results.push(answer.result);
    return answer.data;
  };

  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['list_vms', 'create_vm_from_image', 'power_on', 'shutdown', 'delete_vm']));

  const listed = (await run('list_vms', {})) as { columns: string[]; vms: Array<Array<unknown>>; total: number };
  expect(listed.total).toBeGreaterThan(0);
  expect(listed.vms.map((row) => row[listed.columns.indexOf('name')])).toContain('web-01');

  const { images } = (await run('list_images', {})) as { images: Array<{ name: string; type: string; storages: Array<{ name: string }> }> };
  const image = images.find((candidate) => candidate.type === 'disk');
  expect(image).toBeDefined();
  const { networks } = (await run('list_networks', {})) as { networks: Array<{ name: string }> };

  const progress: Progress[] = [];
  const created = (await run(
    'create_vm_from_image',
    { name: 'e2e-agent-vm', image: image?.name, storage: image?.storages[0]?.name, network: networks[0]?.name, vcpus: 2, ram_mb: 1024 },
    (update) => progress.push(update),
  )) as { status: string; vm: { name: string; vcpus: number; ram_mb: number; status: string } };
  expect(created.status).toBe('done');
  expect(created.vm).toMatchObject({ name: 'e2e-agent-vm', vcpus: 2, ram_mb: 1024 });
  expect(progress.length).toBeGreaterThan(0);

  expect(await run('power_on', { vm: 'e2e-agent-vm', wait: true })).toMatchObject({ status: 'done', vm: { status: 'running' } });
  expect(await run('shutdown', { vm: 'e2e-agent-vm', wait: true })).toMatchObject({ status: 'done', vm: { status: 'stopped' } });

  const asked = (await run('delete_vm', { vm: 'e2e-agent-vm' })) as { status: string; confirm_token: string; preview: Record<string, unknown> };
  expect(asked.status).toBe('confirmation_required');
  expect(JSON.stringify(asked.preview)).toContain('e2e-agent-vm');
  expect((await run('list_vms', { name: 'e2e-agent-vm' })) as { total: number }).toMatchObject({ total: 1 });

  const deleted = await run('delete_vm', { vm: 'e2e-agent-vm', confirm_token: asked.confirm_token });
  expect(deleted).toMatchObject({ status: 'deleted', deleted: { name: 'e2e-agent-vm' } });
  expect(await run('list_vms', { name: 'e2e-agent-vm' })).toMatchObject({ total: 0 });

  // A confirm token is single-use.
  const replay = await client.callTool({ name: 'delete_vm', arguments: { vm: 'e2e-agent-vm', confirm_token: asked.confirm_token } });
  expect(replay.isError).toBe(true);
  return { results, confirmToken: asked.confirm_token };
}

function expectNoSecrets(texts: string[], secrets: string[]): void {
  for (const secret of secrets) {
    for (const text of texts) expect(text.includes(secret), `a secret appeared in: ${text.slice(0, 200)}`).toBe(false);
  }
}

/** Starts `vmm-mcp simulator --port 0` and returns its URL and the process. */
async function standaloneSimulator(): Promise<{ url: string; child: ChildProcessWithoutNullStreams; stopped: ReturnType<typeof finished> }> {
  const child = spawnCli(['simulator', '--port', '0', ...FAST_SIMULATOR]);
  const stopped = finished(child);
  cleanup.push(() => child.kill('SIGKILL'));
  const line = await new StdoutLines(child).waitFor(/listening on http/);
  const url = /(https?:\/\/\S+)/.exec(line)?.[1];
  if (url === undefined) throw new Error(`no URL in ${line}`);
  return { url, child, stopped };
}

async function connect(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'vmm-mcp-e2e', version: '0' });
  await client.connect(transport);
  return client;
}

describe("an agent's day over stdio", () => {
  it('against a separately started `vmm-mcp simulator`: only JSON-RPC on stdout, no secrets, audited, logged out at the end', async () => {
    const simulator = await standaloneSimulator();
    const auditLog = join(scratch, 'audit.jsonl');
    const transport = new RecordingStdioTransport([], {
      VMM_URL: simulator.url,
      VMM_USERNAME: DEMO_USER.account,
      VMM_PASSWORD: DEMO_USER.password,
      VMM_AUDIT_LOG: auditLog,
      VMM_LOG_LEVEL: 'debug',
    });
    cleanup.push(() => transport.child.kill('SIGKILL'));
    const client = await connect(transport);

    const day = await agentsDay(client);
    await client.close();
    expect(await transport.exited).toEqual({ code: 0, signal: null });

    expect(transport.strayLines).toEqual([]);
    expect(transport.stdoutLines.length).toBeGreaterThan(10);
    for (const line of transport.stdoutLines) expect(JSONRPCMessageSchema.safeParse(JSON.parse(line)).success).toBe(true);

    const audit = readFileSync(auditLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { tool: string; outcome: string });
    expect(audit.map((entry) => `${entry.tool} ${entry.outcome}`)).toEqual(
      expect.arrayContaining(['create_vm_from_image ok', 'power_on ok', 'shutdown ok', 'delete_vm confirmation_required', 'delete_vm ok']),
    );
    const resultTexts = day.results.map((result) => JSON.stringify(result));
    expectNoSecrets([...resultTexts, transport.stderr, readFileSync(auditLog, 'utf8')], [DEMO_USER.password]);
    expectNoSecrets([transport.stderr, readFileSync(auditLog, 'utf8')], [day.confirmToken]);

    simulator.child.kill('SIGTERM');
    const { code, stderr } = await simulator.stopped;
    expect(code).toBe(0);
    expect(stderr).toMatch(/logins 1, logouts 1, sessions still open 0/);
  });

  it("in --simulator mode, through the SDK's StdioClientTransport", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, '--simulator', '--sim-task-ms', '100', '--sim-power-ms', '50'],
      env: cleanEnv() as Record<string, string>,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const transportErrors: Error[] = [];
    const client = await connect(transport);
    client.onerror = (error) => transportErrors.push(error);
    cleanup.push(() => client.close());

    const day = await agentsDay(client);
    await client.close();

    // The SDK reports any stdout line that is not JSON-RPC as an error.
    expect(transportErrors).toEqual([]);
    expectNoSecrets([...day.results.map((result) => JSON.stringify(result)), stderr], [DEMO_USER.password]);
    expect(stderr).toMatch(/demo mode: simulated Synology VMM at http:\/\/127\.0\.0\.1:\d+/);
  });
});

describe('leaving: SIGINT, SIGTERM and the end of stdin', () => {
  let simulator: SimulatorHandle | undefined;
  afterEach(async () => {
    await simulator?.close();
    simulator = undefined;
  });

  async function serverAgainst(sim: SimulatorHandle): Promise<{ transport: RecordingStdioTransport; client: Client }> {
    const transport = new RecordingStdioTransport([], { VMM_URL: sim.url, VMM_USERNAME: DEMO_USER.account, VMM_PASSWORD: DEMO_USER.password, VMM_LOG_LEVEL: 'debug' });
    cleanup.push(() => transport.child.kill('SIGKILL'));
    const client = await connect(transport);
    await call(client, 'list_vms', {});
    expect(sim.liveSessions).toBe(1);
    return { transport, client };
  }

  function sidsOf(sim: SimulatorHandle): string[] {
    return [...new Set(sim.stats.requests.map((request) => request.params._sid).filter((sid): sid is string => sid !== undefined && sid.length > 0))];
  }

  it('logs out and exits with 0 when the client closes stdin', async () => {
    simulator = await startSimulator({ powerSettleMs: 50, taskDurationMs: 100 });
    const { transport } = await serverAgainst(simulator);
    transport.child.stdin.end();
    expect(await transport.exited).toEqual({ code: 0, signal: null });
    expect(simulator.stats.logouts).toBe(1);
    expect(simulator.liveSessions).toBe(0);
    expect(transport.stderr).toMatch(/shutting down \(stdin closed\)/);

    const sids = sidsOf(simulator);
    expect(sids.length).toBeGreaterThan(0);
    expectNoSecrets([transport.stdoutLines.join('\n'), transport.stderr], [...sids, DEMO_USER.password]);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`logs out and exits with 0 on ${signal}`, async () => {
      simulator = await startSimulator();
      const { transport } = await serverAgainst(simulator);
      transport.child.kill(signal);
      expect(await transport.exited).toEqual({ code: 0, signal: null });
      expect(simulator.stats.logouts).toBe(1);
      expect(simulator.liveSessions).toBe(0);
      expect(transport.stderr).toContain(`shutting down (${signal})`);
      expect(transport.strayLines).toEqual([]);
    });
  }

  it('exits with 0 and logs out when the client vanishes, both pipes closed, in the middle of a waiting call', async () => {
    simulator = await startSimulator({ powerSettleMs: 60_000 });
    const { transport, client } = await serverAgainst(simulator);
    // With a progress token the server keeps writing, so it notices the broken pipe without waiting out the grace period.
    const abandoned = call(client, 'power_on', { vm: 'win10', wait: true, timeout_s: 120 }, () => undefined);
    abandoned.catch(() => 'the client is gone; no answer is expected');
    await expect.poll(() => simulator?.stats.requests.some((request) => request.method === 'poweron' || request.method === 'PowerOn')).toBe(true);
    transport.child.stdout.destroy();
    transport.child.stdin.destroy();
    expect(await transport.exited).toEqual({ code: 0, signal: null });
    expect(simulator.stats.logouts).toBe(1);
    expect(transport.stderr).not.toMatch(/unexpected failure|unhandled|TypeError/i);
  });

  it('lets a call in flight finish before leaving on SIGTERM, and refuses nothing it had accepted', async () => {
    simulator = await startSimulator({ powerSettleMs: 600 });
    const { transport, client } = await serverAgainst(simulator);
    const powering = call(client, 'power_on', { vm: 'win10', wait: true, timeout_s: 30 });
    await expect.poll(() => simulator?.stats.requests.some((request) => request.method === 'poweron' || request.method === 'PowerOn')).toBe(true);
    transport.child.kill('SIGTERM');
    const { data } = await powering;
    expect(data).toMatchObject({ status: 'done', vm: { name: 'win10', status: 'running' } });
    expect(await transport.exited).toEqual({ code: 0, signal: null });
    expect(simulator.stats.logouts).toBe(1);
  });
});
