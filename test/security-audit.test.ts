import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildTargetRuntimes, closeTargetRuntimes } from '../src/runtime.js';
import { AuditLog } from '../src/safety/audit.js';
import { DEFAULT_POLICY } from '../src/safety/policy.js';
import { createServer } from '../src/server.js';
import { DEMO_USER, startSimulator, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { serveHttp } from '../src/transports/serve-http.js';
import { RecordingStdioTransport } from './e2e-harness.js';
import { capturingLogger, connectClient } from './http-helpers.js';
import { errorText, startHarness } from './mcp-harness.js';

/**
 * Issue 13, finding 2: a write in flight when its session or the process ends must be on record. The
 * attacks: an HTTP client starts a VM create and deletes its own session; a stdio client does the same
 * and the server gets SIGTERM, or its stdin closes. Each time the audit file must hold the call's
 * `started` line and then its outcome with the same call id. Plus: one file descriptor for every HTTP
 * session, and a bounded line for a call with 5,000 nested arrays as an argument.
 */

const TOKEN = 'security-audit-test-token-0123456789';
const SLOW_TASK_MS = 60_000;
const STORAGE = 'nas-01 - VM Storage 1';
const CREATE = { image: 'ubuntu-24.04-cloud', storage: STORAGE, network: 'Default VM Network', vcpus: 1, ram_mb: 1024 };

const folder = mkdtempSync(join(tmpdir(), 'vmm-security-audit-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

type Line = Record<string, unknown>;

function auditLines(path: string): Line[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Line);
}

/** Polls the file, with a generous bound, until `found` holds. */
async function waitForLines(path: string, found: (lines: Line[]) => boolean, what: string): Promise<Line[]> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    const lines = auditLines(path);
    if (found(lines)) return lines;
    await sleep(50);
  }
  throw new Error(`the audit log never showed ${what}: ${JSON.stringify(auditLines(path))}`);
}

function startedCreate(lines: Line[]): Line | undefined {
  return lines.find((line) => line.tool === 'create_vm_from_image' && line.outcome === 'started');
}

/** The started line and the one outcome line that shares its call id. */
function startAndEnd(lines: Line[]): { started: Line; ended: Line[] } {
  const started = startedCreate(lines);
  if (started === undefined) throw new Error('no started line');
  return { started, ended: lines.filter((line) => line.call === started.call && line.outcome !== 'started') };
}

/** The VM create reached DSM: the VM will exist whatever happens to the call now. */
async function untilCreateSent(sim: SimulatorHandle): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 20) {
    if (sim.stats.requests.some((request) => request.method === 'create')) return;
    await sleep(20);
  }
  throw new Error(`no create reached the simulator: ${sim.stats.requests.map((request) => request.method).join(', ')}`);
}

async function slowSimulator(): Promise<SimulatorHandle> {
  const sim = await startSimulator({ taskDurationMs: SLOW_TASK_MS, powerSettleMs: 20 });
  cleanup.push(() => sim.close());
  return sim;
}

describe('the audit log records every write that started, however its session ends', () => {
  it('records started and cancelled when an HTTP client deletes its session during a create', async () => {
    const sim = await slowSimulator();
    const path = join(folder, 'http-delete.jsonl');
    const { logger } = capturingLogger();
    const targets = buildTargetRuntimes([{ name: 'nas', type: 'synology', connection: { url: sim.url, username: DEMO_USER.account, password: DEMO_USER.password }, policy: DEFAULT_POLICY }], logger);
    const audit = new AuditLog({ path, logger });
    const settings = { http_host: '127.0.0.1', http_port: 0, http_allow_remote: false, http_token: TOKEN, http_allowed_hosts: undefined, http_allowed_origins: undefined, http_max_sessions: 10, http_session_idle_s: 600 };
    const http = await serveHttp(settings, (sessionLogger) => createServer({ targets, logger: sessionLogger, audit }), targets, logger, () => undefined);
    cleanup.push(() => closeTargetRuntimes(targets, logger), () => audit.close(), () => http.close());

    const { client, transport } = await connectClient(http.url, TOKEN);
    const call = client.callTool({ name: 'create_vm_from_image', arguments: { name: 'in-flight-http', ...CREATE } }).catch((error: unknown) => error);
    await waitForLines(path, (lines) => startedCreate(lines) !== undefined, 'the started line');
    await untilCreateSent(sim);
    await transport.terminateSession();
    const lines = await waitForLines(path, (all) => startAndEnd(all).ended.length > 0, 'the outcome line');
    const { started, ended } = startAndEnd(lines);
    expect(started).toMatchObject({ target: 'nas', args: { name: 'in-flight-http' } });
    expect(ended).toHaveLength(1);
    expect(['cancelled', 'outcome unknown']).toContain(ended[0]?.outcome);
    await client.close();
    await call;
  });

  it('writes every HTTP session\'s lines through one file descriptor', async () => {
    const sim = await startSimulator({ taskDurationMs: 40, powerSettleMs: 20 });
    cleanup.push(() => sim.close());
    const path = join(folder, 'one-fd.jsonl');
    const { logger } = capturingLogger();
    const targets = buildTargetRuntimes([{ name: 'nas', type: 'synology', connection: { url: sim.url, username: DEMO_USER.account, password: DEMO_USER.password }, policy: DEFAULT_POLICY }], logger);
    const audit = new AuditLog({ path, logger });
    const settings = { http_host: '127.0.0.1', http_port: 0, http_allow_remote: false, http_token: TOKEN, http_allowed_hosts: undefined, http_allowed_origins: undefined, http_max_sessions: 10, http_session_idle_s: 600 };
    const http = await serveHttp(settings, (sessionLogger) => createServer({ targets, logger: sessionLogger, audit }), targets, logger, () => undefined);
    cleanup.push(() => closeTargetRuntimes(targets, logger), () => audit.close(), () => http.close());
    const clients: Client[] = [];
    for (let i = 0; i < 4; i++) {
      const { client } = await connectClient(http.url, TOKEN, `client-${i}`);
      clients.push(client);
      await client.callTool({ name: 'update_vm', arguments: { vm: 'win10', description: `session ${i}` } });
    }
    const descriptors = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(join('/proc/self/fd', fd)) === path;
      } catch (error) {
        // A descriptor closed between listing and reading it is not ours.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    });
    expect(descriptors).toHaveLength(1);
    expect(auditLines(path).filter((line) => line.outcome === 'ok')).toHaveLength(4);
    for (const client of clients) await client.close();
  });

  for (const ending of ['SIGTERM', 'stdin closed'] as const) {
    it(`records started and an outcome when the stdio server stops (${ending}) during a create`, async () => {
      const sim = await slowSimulator();
      const path = join(folder, `stdio-${ending.replace(' ', '-')}.jsonl`);
      const transport = new RecordingStdioTransport([], {
        VMM_URL: sim.url,
        VMM_USERNAME: DEMO_USER.account,
        VMM_PASSWORD: DEMO_USER.password,
        VMM_AUDIT_LOG: path,
      });
      cleanup.push(() => transport.child.kill('SIGKILL'));
      const client = new Client({ name: 'audit-stdio', version: '0' });
      await client.connect(transport);
      const call = client.callTool({ name: 'create_vm_from_image', arguments: { name: 'in-flight-stdio', ...CREATE } }).catch((error: unknown) => error);
      await waitForLines(path, (lines) => startedCreate(lines) !== undefined, 'the started line');
      await untilCreateSent(sim);
      if (ending === 'SIGTERM') transport.child.kill('SIGTERM');
      else transport.child.stdin.end();
      expect(await transport.exited).toEqual({ code: 0, signal: null });
      await call;
      const { started, ended } = startAndEnd(auditLines(path));
      expect(started).toMatchObject({ target: 'default', args: { name: 'in-flight-stdio' } });
      expect(ended).toHaveLength(1);
      expect(['cancelled', 'outcome unknown']).toContain(ended[0]?.outcome);
    });
  }

  it('keeps the line of a refused call with 5,000 nested arrays as an argument bounded', async () => {
    const h = await startHarness();
    cleanup.push(() => h.close());
    let nested: unknown = 'bottom';
    for (let depth = 0; depth < 5_000; depth++) nested = [nested];
    expect(errorText(await h.call('update_vm', { vm: 'win10', description: nested }))).toContain('description');
    const [line] = h.auditEntries();
    expect(line).toMatchObject({ tool: 'update_vm', outcome: 'error' });
    expect(JSON.stringify(line).length).toBeLessThan(20_000);
    expect(JSON.stringify(line?.args)).toContain('[too deep]');
  });
});
