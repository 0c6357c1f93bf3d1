import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOperationError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { DsmClient } from '../src/providers/synology/dsm/client.js';
import { DEMO_USER, startSimulator, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import type { VmmBackend } from '../src/vmm/backend.js';
import { createDsmBackend } from '../src/providers/synology/backend.js';
import { Vmm } from '../src/vmm/operations.js';
import { readOnlyBackend } from '../src/vmm/read-only-backend.js';
import { RecordingStdioTransport } from './e2e-harness.js';

/**
 * Issue 13, finding 4: under VMM_READ_ONLY, wait_task sent `Task.Info clear` once a task finished,
 * deleting another server's task record. Read-only is now enforced below the tools: a DSM that fails
 * the test on any request other than a read sits in front of the simulator while the built server
 * runs through its whole surface, a finished task's wait included.
 */

/** The DSM methods that only look (both dialects), plus signing in and out. */
const READ_METHODS = new Set(['query', 'login', 'logout', 'list', 'get', 'getinfo', 'List', 'Get']);

interface StrictDsm {
  url: string;
  writes: string[];
  close(): Promise<void>;
}

/** Refuses (HTTP 500) and records any request that is not a read, so nothing reaches the simulator. */
async function startStrictDsm(target: string): Promise<StrictDsm> {
  const writes: string[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(incoming.url ?? '/', target);
      const params = new URLSearchParams(body);
      const method = params.get('method') ?? url.searchParams.get('method') ?? '';
      if (!READ_METHODS.has(method)) {
        writes.push(`${params.get('api') ?? url.searchParams.get('api')} ${method}`);
        outgoing.writeHead(500).end();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(incoming.headers)) {
        if (typeof value === 'string' && key !== 'host' && key !== 'connection' && key !== 'content-length') headers[key] = value;
      }
      const answer = await fetch(url, { method: incoming.method ?? 'GET', headers, ...(body.length > 0 ? { body } : {}) });
      outgoing.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      outgoing.end(await answer.text());
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writes,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe('readOnlyBackend', () => {
  it('passes reads through and refuses every other method before calling the backend, even one it has never heard of', async () => {
    const called: string[] = [];
    const record = (name: string) => async () => {
      called.push(name);
      return [];
    };
    const inner = {
      style: 'fake',
      capabilities: new Set(),
      listVms: record('listVms'),
      getTask: record('getTask'),
      deleteVm: record('deleteVm'),
      clearTask: record('clearTask'),
      createVm: record('createVm'),
      rebootVm: record('rebootVm'),
    } as unknown as VmmBackend & { rebootVm(): Promise<void> };
    const backend = readOnlyBackend(inner, 'nas') as typeof inner;
    expect(backend.style).toBe('fake');
    await backend.listVms();
    await backend.getTask('t' as never);
    for (const write of [() => backend.deleteVm('v' as never), () => backend.clearTask('t' as never), () => backend.rebootVm()]) {
      const error = await write().then(() => undefined, (failure: unknown) => failure);
      expect(isOperationError(error) && error.kind === 'policy', String(error)).toBe(true);
      expect(String((error as Error).message)).toContain('VMM_READ_ONLY');
    }
    expect(called).toEqual(['listVms', 'getTask']);
  });
});

describe('a read-only target sends no write of any kind', () => {
  let simulator: SimulatorHandle;
  let strict: StrictDsm;
  let taskId: string;

  beforeAll(async () => {
    simulator = await startSimulator({ taskDurationMs: 30, powerSettleMs: 20 });
    strict = await startStrictDsm(simulator.url);
    // Another, writing server starts a task; the read-only one will watch it finish.
    const writer = new Vmm(createDsmBackend(new DsmClient({ url: simulator.url, username: DEMO_USER.account, password: DEMO_USER.password, logger: silentLogger })));
    const started = await writer.createImage({ source: 'file', name: 'other-servers-image', ds_file_path: '/share/other.img', type: 'disk', storages: ['nas-01 - VM Storage 1'] });
    if (!('task' in started)) throw new Error('a DSM image build answers a task');
    taskId = started.task.id;
    await writer.close();
  });

  afterAll(async () => {
    await strict?.close();
    await simulator?.close();
  });

  it('lists and answers tools, resources, prompts, completions and a finished task\'s wait without a single write', async () => {
    const transport = new RecordingStdioTransport([], {
      VMM_URL: strict.url,
      VMM_USERNAME: DEMO_USER.account,
      VMM_PASSWORD: DEMO_USER.password,
      VMM_READ_ONLY: 'true',
    });
    const client = new Client({ name: 'read-only-scan', version: '0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
    const waited = await client.callTool({ name: 'wait_task', arguments: { task_id: taskId, timeout_s: 10 } });
    expect(waited.isError, JSON.stringify(waited.content)).not.toBe(true);
    expect((waited.structuredContent as { status?: string }).status).toBe('finished');
    for (const tool of tools) await client.callTool({ name: tool.name, arguments: tool.name === 'get_vm' ? { vm: 'web-01' } : {} });
    const { resources } = await client.listResources();
    for (const resource of resources) await client.readResource({ uri: resource.uri });
    await client.readResource({ uri: 'vmm://vms/web-01' });
    await client.complete({ ref: { type: 'ref/resource', uri: 'vmm://vms/{vm}' }, argument: { name: 'vm', value: 'w' } });
    const { prompts } = await client.listPrompts();
    for (const prompt of prompts) {
      await client.getPrompt({ name: prompt.name, arguments: Object.fromEntries((prompt.arguments ?? []).map((argument) => [argument.name, 'web-01'])) });
    }
    await client.close();
    expect(await transport.exited).toEqual({ code: 0, signal: null });

    expect(strict.writes).toEqual([]);
    expect(simulator.state.tasks.has(taskId), 'the other server\'s task record is still there').toBe(true);
  });
});
