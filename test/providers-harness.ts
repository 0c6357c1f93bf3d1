import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../src/log.js';
import { providerOf } from '../src/providers/index.js';
import { DEMO_API, startLunaNodeSimulator, type LunaNodeSimulatorHandle } from '../src/providers/lunanode/simulator/index.js';
import { DEMO_USER, startSimulator, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { DEMO_ACCOUNT, startWakameSimulator, type WakameSimulatorHandle } from '../src/providers/wakame/simulator/index.js';
import { AuditLog } from '../src/safety/audit.js';
import { DEFAULT_POLICY, type Policy } from '../src/safety/policy.js';
import { createServer, type TargetRuntime } from '../src/server.js';
import { Vmm } from '../src/vmm/operations.js';
import { readOnlyBackend } from '../src/vmm/read-only-backend.js';
import { readAuditEntries } from './mcp-harness.js';
import { recordOutput } from './setup/output-scan.js';

/**
 * One MCP server in front of one target per provider, each on its simulator over real HTTP, each
 * connected through its provider's registry entry (`connect`), as the CLI does. The simulators run
 * with short delays and the server polls fast; waits are bounded by generous timeouts, not raced.
 */

export interface ProviderTargets {
  nas: SimulatorHandle;
  luna: LunaNodeSimulatorHandle;
  vdc: WakameSimulatorHandle;
}

export interface ProvidersHarness {
  client: Client;
  server: McpServer;
  sims: ProviderTargets;
  logLines: string[];
  auditEntries(): Array<Record<string, unknown>>;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export interface ProvidersClientOptions {
  clientCapabilities?: ClientCapabilities;
  /** Lets a test install request handlers (elicitation) before the client connects. */
  prepareClient?: (client: Client) => void;
}

export async function startProvidersHarness(
  policies: Partial<Record<keyof ProviderTargets, Partial<Policy>>> = {},
  clientOptions: ProvidersClientOptions = {},
): Promise<ProvidersHarness> {
  const logLines: string[] = [];
  const logger: Logger = createLogger('debug', (line) => {
    logLines.push(line);
    recordOutput(line);
  });
  const nas = await startSimulator({ powerSettleMs: 40, taskDurationMs: 80 });
  const luna = await startLunaNodeSimulator({ durations: { buildMs: 40, powerMs: 40, imageMs: 50 } });
  const vdc = await startWakameSimulator({ timings: { stepMs: 25, imageStepMs: 50 } });
  const connections: Array<[keyof ProviderTargets, string, unknown]> = [
    ['nas', 'synology', { url: nas.url, username: DEMO_USER.account, password: DEMO_USER.password, timeoutMs: 10_000, tls: {} }],
    ['luna', 'lunanode', { url: luna.url, apiId: DEMO_API.apiId, apiKey: DEMO_API.apiKey, region: 'toronto', timeoutMs: 10_000 }],
    ['vdc', 'wakame', { url: vdc.url, account: DEMO_ACCOUNT, admin: false, hypervisor: 'kvm', timeoutMs: 10_000, tls: {} }],
  ];
  const targets: TargetRuntime[] = connections.map(([name, type, connection]) => {
    const provider = providerOf(type);
    const { backend } = provider.connect(connection, logger);
    const policy = { ...DEFAULT_POLICY, ...policies[name] };
    // As the runtime does: read-only is enforced below the tools too.
    return { name, vmm: new Vmm(policy.readOnly ? readOnlyBackend(backend, name) : backend, { pollMs: 10, maxPollMs: 20 }), policy };
  });
  const auditPath = join(mkdtempSync(join(tmpdir(), 'vmm-mcp-audit-')), 'audit.jsonl');
  const audit = new AuditLog({ path: auditPath, logger });
  const server = createServer({ targets, logger, audit });
  const client = new Client({ name: 'vmm-mcp-test', version: '1.0.0' }, { capabilities: clientOptions.clientCapabilities ?? {} });
  clientOptions.prepareClient?.(client);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  return {
    client,
    server,
    sims: { nas, luna, vdc },
    logLines,
    auditEntries: () => readAuditEntries(auditPath),
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    async close() {
      await client.close();
      await server.close();
      await audit.close(2_000);
      for (const target of targets) await target.vmm.close();
      await nas.close();
      await luna.close();
      await vdc.close();
      if (existsSync(auditPath)) recordOutput(readFileSync(auditPath, 'utf8'));
    },
  };
}
