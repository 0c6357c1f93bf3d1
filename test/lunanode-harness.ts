import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from '../src/log.js';
import { lunanode } from '../src/providers/lunanode/provider.js';
import { DEMO_API, type LunaNodeSimulatorHandle, startLunaNodeSimulator } from '../src/providers/lunanode/simulator/index.js';
import { synology } from '../src/providers/synology/provider.js';
import { DEMO_USER, type SimulatorHandle, startSimulator } from '../src/providers/synology/simulator/index.js';
import { AuditLog } from '../src/safety/audit.js';
import { registerSecret } from '../src/safety/redact.js';
import { DEFAULT_POLICY, type Policy } from '../src/safety/policy.js';
import { createServer, type TargetRuntime } from '../src/server.js';
import type { VmmBackend } from '../src/vmm/backend.js';
import { Vmm } from '../src/vmm/operations.js';
import { readOnlyBackend } from '../src/vmm/read-only-backend.js';
import { recordOutput } from './setup/output-scan.js';

/**
 * An MCP client in memory against a server with two targets, each through its provider's definition
 * (as the runtime builds them): `nas` on the simulated DSM (the default) and `luna` on the simulated
 * LunaNode, both over real HTTP on 127.0.0.1, with short simulator delays and fast polling.
 */

export interface MixedHarness {
  client: Client;
  dsm: SimulatorHandle;
  luna: LunaNodeSimulatorHandle;
  logLines: string[];
  auditEntries(): Array<Record<string, unknown>>;
  call(name: string, args?: Record<string, unknown>, onProgress?: (progress: { progress: number; message?: string }) => void): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** As the runtime builds it: a read-only target's backend refuses every write below the tools. */
function lunaBackend(backend: VmmBackend, readOnly: boolean): VmmBackend {
  return readOnly ? readOnlyBackend(backend, 'luna') : backend;
}

export async function startMixedHarness(options: { luna?: Partial<Policy>; clientCapabilities?: ClientCapabilities } = {}): Promise<MixedHarness> {
  const logLines: string[] = [];
  const logger = createLogger('debug', (line) => {
    logLines.push(line);
    recordOutput(line);
  });
  const dsm = await startSimulator({ powerSettleMs: 40, taskDurationMs: 80 });
  const luna = await startLunaNodeSimulator({ durations: { buildMs: 60, powerMs: 40, imageMs: 50 } });
  const dsmConnection = { url: dsm.url, username: DEMO_USER.account, password: DEMO_USER.password, timeoutMs: 10_000, tls: {} };
  const lunaConnection = { url: luna.url, apiId: DEMO_API.apiId, apiKey: DEMO_API.apiKey, region: 'toronto', timeoutMs: 10_000 };
  for (const secret of [...synology.secretsOf(dsmConnection), ...lunanode.secretsOf(lunaConnection)]) registerSecret(secret);
  const poll = { pollMs: 10, maxPollMs: 20 };
  const targets: TargetRuntime[] = [
    { name: 'nas', vmm: new Vmm(synology.connect(dsmConnection, logger).backend, poll), policy: DEFAULT_POLICY },
    { name: 'luna', vmm: new Vmm(lunaBackend(lunanode.connect(lunaConnection, logger).backend, options.luna?.readOnly === true), poll), policy: { ...DEFAULT_POLICY, ...options.luna } },
  ];
  const auditPath = join(mkdtempSync(join(tmpdir(), 'vmm-mcp-audit-')), 'audit.jsonl');
  const audit = new AuditLog({ path: auditPath, logger });
  const server = createServer({ targets, logger, audit });
  const client = new Client({ name: 'vmm-mcp-test', version: '1.0.0' }, { capabilities: options.clientCapabilities ?? {} });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  const auditEntries = () =>
    existsSync(auditPath)
      ? readFileSync(auditPath, 'utf8').trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
      : [];
  return {
    client,
    dsm,
    luna,
    logLines,
    auditEntries,
    call: async (name, args = {}, onProgress) =>
      (await client.callTool({ name, arguments: args }, undefined, onProgress === undefined ? {} : { onprogress: onProgress })) as CallToolResult,
    async close() {
      await client.close();
      await server.close();
      for (const target of targets) await target.vmm.close();
      await dsm.close();
      await luna.close();
      await audit.close(1_000);
      if (existsSync(auditPath)) recordOutput(readFileSync(auditPath, 'utf8'));
    },
  };
}
