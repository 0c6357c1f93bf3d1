import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { DsmClient } from '../src/providers/synology/dsm/client.js';
import { createLogger, type Logger } from '../src/log.js';
import { AuditLog } from '../src/safety/audit.js';
import { DEFAULT_POLICY, type Policy } from '../src/safety/policy.js';
import { createServer, type TargetRuntime } from '../src/server.js';
import { DEMO_USER, startSimulator, type SimulatorHandle, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';
import { createDsmBackend } from '../src/providers/synology/backend.js';
import { Vmm } from '../src/vmm/operations.js';
import { readOnlyBackend } from '../src/vmm/read-only-backend.js';
import { recordOutput } from './setup/output-scan.js';

/**
 * An MCP client talking in memory to a real server, whose targets talk real HTTP to simulated DSMs.
 * Everything runs with short simulator delays and fast polling, so waits take milliseconds.
 */

/** Calls a closing server cancelled get this long to record how they ended. */
const AUDIT_GRACE_MS = 2_000;

export const FAST: SimulatorOptions = { powerSettleMs: 40, taskDurationMs: 80 };

export interface TargetSetup {
  name: string;
  policy?: Partial<Policy>;
  simulator?: SimulatorOptions;
}

export interface HarnessOptions {
  targets?: TargetSetup[];
  policy?: Partial<Policy>;
  simulator?: SimulatorOptions;
  clientCapabilities?: ClientCapabilities;
  /** Lets a test install request handlers (elicitation) before the client connects. */
  prepareClient?: (client: Client) => void;
  confirmTtlMs?: number;
  elicitationTimeoutMs?: number;
  /** The server's clock for confirm_token lifetimes. */
  now?: () => number;
  /** The dashboard setting (default on). */
  dashboard?: boolean;
}

export interface Harness {
  client: Client;
  server: McpServer;
  audit: AuditLog;
  /** The simulators, by target name; `sim` is the first one's. */
  sims: Map<string, SimulatorHandle>;
  sim: SimulatorHandle;
  vmm: Vmm;
  /** Every line the server logged, at every level. */
  logLines: string[];
  auditPath: string;
  auditEntries(): Array<Record<string, unknown>>;
  /** Bytes of the JSON-RPC answer the server sent last, as it would go over the wire. */
  lastResponseBytes(): number;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const setups = options.targets ?? [{ name: 'nas', ...(options.policy ? { policy: options.policy } : {}), ...(options.simulator ? { simulator: options.simulator } : {}) }];
  const sims = new Map<string, SimulatorHandle>();
  const targets: TargetRuntime[] = [];
  const logLines: string[] = [];
  const logger: Logger = createLogger('debug', (line) => {
    logLines.push(line);
    recordOutput(line);
  });
  logger.addSink((level, message, fields) => logLines.push(`${level}: ${message} ${JSON.stringify(fields)}`));
  for (const setup of setups) {
    const sim = await startSimulator({ ...FAST, ...setup.simulator });
    sims.set(setup.name, sim);
    const dsm = new DsmClient({ url: sim.url, username: DEMO_USER.account, password: DEMO_USER.password, logger });
    const policy = { ...DEFAULT_POLICY, ...setup.policy };
    const backend = createDsmBackend(dsm, logger);
    const vmm = new Vmm(policy.readOnly ? readOnlyBackend(backend, setup.name) : backend, { pollMs: 10, maxPollMs: 20 });
    targets.push({ name: setup.name, vmm, policy });
  }
  const auditPath = join(mkdtempSync(join(tmpdir(), 'vmm-mcp-audit-')), 'audit.jsonl');
  const audit = new AuditLog({ path: auditPath, logger });
  const server = createServer({
    targets,
    logger,
    audit,
    ...(options.confirmTtlMs === undefined ? {} : { confirmTtlMs: options.confirmTtlMs }),
    ...(options.elicitationTimeoutMs === undefined ? {} : { elicitationTimeoutMs: options.elicitationTimeoutMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.dashboard === undefined ? {} : { dashboard: options.dashboard }),
  });
  const client = new Client({ name: 'vmm-mcp-test', version: '1.0.0' }, { capabilities: options.clientCapabilities ?? {} });
  options.prepareClient?.(client);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  let lastResponseBytes = 0;
  const send = serverTransport.send.bind(serverTransport);
  serverTransport.send = async (message, sendOptions) => {
    if ('result' in message || 'error' in message) lastResponseBytes = Buffer.byteLength(JSON.stringify(message), 'utf8');
    return send(message, sendOptions);
  };
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  const [first] = targets;
  const firstSim = sims.get(setups[0]?.name ?? '');
  if (first === undefined || firstSim === undefined) throw new Error('the harness needs a target');
  return {
    client,
    server,
    audit,
    sims,
    sim: firstSim,
    vmm: first.vmm,
    logLines,
    auditPath,
    lastResponseBytes: () => lastResponseBytes,
    auditEntries: () => readAuditEntries(auditPath),
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    async close() {
      await client.close();
      await server.close();
      await audit.close(AUDIT_GRACE_MS);
      for (const target of targets) await target.vmm.close();
      for (const sim of sims.values()) await sim.close();
      if (existsSync(auditPath)) recordOutput(readFileSync(auditPath, 'utf8'));
    },
  };
}

/** The structured result of a successful call; fails the test with the error text otherwise. */
export function structured<T = Record<string, unknown>>(result: CallToolResult): T {
  if (result.isError === true) throw new Error(`expected success, got error: ${textOf(result)}`);
  if (result.structuredContent === undefined) throw new Error('expected structuredContent');
  return result.structuredContent as T;
}

export function textOf(result: CallToolResult): string {
  return result.content.map((item) => (item.type === 'text' ? item.text : `[${item.type}]`)).join('\n');
}

/** The error text of a failed call; fails the test if the call succeeded. */
export function errorText(result: CallToolResult): string {
  if (result.isError !== true) throw new Error(`expected an error result, got: ${textOf(result)}`);
  return textOf(result);
}

/** The audit log's entries, one JSON object a line; none before the first write. */
export function readAuditEntries(path: string): Array<Record<string, unknown>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}
