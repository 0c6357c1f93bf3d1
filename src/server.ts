import { readFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { SetLevelRequestSchema, type LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { registerDashboardResource } from './apps/dashboard/resource.js';
import { OperationError } from './errors.js';
import type { Logger, LogLevel } from './log.js';
import { registerPrompts } from './prompts/index.js';
import { registerResources } from './resources/index.js';
import { AuditLog } from './safety/audit.js';
import { DEFAULT_CONFIRM_TTL_MS, DEFAULT_ELICITATION_TIMEOUT_MS, SafetyGuard } from './safety/guard.js';
import type { TargetRuntime } from './tools/define.js';
import { TOOL_DEFINITIONS } from './tools/index.js';
import { registerTools } from './tools/register.js';
import { redactOutgoing } from './transports/redacting.js';

export type { Policy } from './safety/policy.js';
export type { TargetRuntime } from './tools/define.js';

export interface ServerOptions {
  /** The first is the default; with one target, `target` is never needed. */
  targets: TargetRuntime[];
  logger: Logger;
  /**
   * The process-wide audit log that write and destructive calls are recorded in; every server of the
   * process (one per HTTP session) shares it, and its owner closes it once the transports closed.
   * Without one, calls are recorded to the logger only.
   */
  audit?: AuditLog;
  /** confirm_token lifetime (default 5 minutes). */
  confirmTtlMs?: number;
  /** How long a confirmation form waits for the human (default 3 minutes). */
  elicitationTimeoutMs?: number;
  /** Offer show_dashboard and its view (default true). */
  dashboard?: boolean;
}

const VERSION = readPackageVersion();
/** One list for every session, so that the tool catalog built from it is shared too (tools/register.ts). */
const TOOLS_WITHOUT_APPS = TOOL_DEFINITIONS.filter((tool) => tool.appMeta === undefined);

/** Builds the MCP server: tools, resources and prompts over the configured targets, with safety and audit. */
export function createServer(options: ServerOptions): McpServer {
  const { targets, logger } = options;
  checkTargets(targets);
  const dashboard = options.dashboard ?? true;
  const server = new FilteredMcpServer({ name: 'vmm-mcp', version: VERSION }, { instructions: instructionsFor(targets, dashboard) });
  const audit = options.audit ?? new AuditLog({ logger });
  const elicitationTimeoutMs = options.elicitationTimeoutMs ?? DEFAULT_ELICITATION_TIMEOUT_MS;
  const guard = new SafetyGuard({ confirmTtlMs: options.confirmTtlMs ?? DEFAULT_CONFIRM_TTL_MS, elicitationTimeoutMs });

  // Before the tools: a host may read the view as soon as it sees the tool that names it.
  if (dashboard) registerDashboardResource(server);
  const tools = dashboard ? TOOL_DEFINITIONS : TOOLS_WITHOUT_APPS;
  registerTools(server, tools, { targets, guard, audit, logger, elicitationTimeoutMs });
  registerResources(server, targets);
  registerPrompts(server, targets);
  const stopForwarding = forwardLogs(server, logger);

  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    stopForwarding();
    previousOnClose?.();
  };
  return server;
}

/** Every transport this server connects to, stdio, HTTP or in memory, sends through the secret filter. */
class FilteredMcpServer extends McpServer {
  override connect(transport: Transport): Promise<void> {
    return super.connect(redactOutgoing(transport));
  }
}

function checkTargets(targets: readonly TargetRuntime[]): void {
  if (targets.length === 0) {
    throw new OperationError('invalid_input', 'The MCP server needs at least one target', { next: 'configure a DSM (VMM_URL) or use --simulator' });
  }
  const names = targets.map((target) => target.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) {
    throw new OperationError('invalid_input', `Two targets are named "${twice}"`, { next: 'give every target its own name' });
  }
}

const MCP_LEVEL_RANK: Record<LoggingLevel, number> = {
  debug: 0,
  info: 1,
  notice: 2,
  warning: 3,
  error: 4,
  critical: 5,
  alert: 6,
  emergency: 7,
};
const OUR_LEVEL: Record<LogLevel, LoggingLevel> = { debug: 'debug', info: 'info', warning: 'warning', error: 'error' };

/**
 * Log lines go to the client too, but only once it asked for them with logging/setLevel, and only at
 * or above that level: a client that never asked gets no log traffic. Returns the function that stops.
 */
function forwardLogs(server: McpServer, logger: Logger): () => void {
  const lowLevel = server.server;
  lowLevel.registerCapabilities({ logging: {} });
  let wanted: LoggingLevel | undefined;
  lowLevel.setRequestHandler(SetLevelRequestSchema, (request) => {
    wanted = request.params.level;
    return {};
  });
  let broken = false;
  const removeSink = logger.addSink((level, message, fields) => {
    const mcpLevel = OUR_LEVEL[level];
    if (broken || wanted === undefined || !server.isConnected() || MCP_LEVEL_RANK[mcpLevel] < MCP_LEVEL_RANK[wanted]) return;
    const data = Object.keys(fields).length === 0 ? message : { message, ...fields };
    lowLevel.sendLoggingMessage({ level: mcpLevel, logger: 'vmm-mcp', data }).catch((error: unknown) => {
      // Stop first: the warning below goes through this sink too.
      broken = true;
      logger.warning('stopped forwarding log messages to the MCP client', { error });
    });
  });
  return removeSink;
}

function instructionsFor(targets: readonly TargetRuntime[], dashboard: boolean): string {
  const lines = [
    'vmm-mcp inspects and operates virtual machines on Synology Virtual Machine Manager.',
    'Look first: list_vms (filter by name, status, host; paged, pass next_offset as offset), get_vm, list_hosts, list_storages, list_networks, list_images, list_tasks.',
    'Arguments vm, image, storage, network and host take an id or an exact name. An id wins; an ambiguous name is refused with the candidates, so retry with the id.',
    'Units: ram_mb in MiB, size_gb in GiB. vcpus and ram_mb change only while a VM is stopped.',
    'Long operations: pass wait: true (power_on, shutdown, power_off, create_vm) or call wait_task; timeout_s bounds the wait and a timeout answers status "not_finished", not an error.',
    'Destructive tools (power_off, delete_vm, delete_image) may answer status "confirmation_required" with a preview and a single-use confirm_token: show the preview to the user, and only if they agree call the tool again with the same arguments plus confirm_token.',
    'Errors say what failed, the DSM error code and its meaning when there is one, and what to do next.',
  ];
  if (dashboard) {
    lines.push('When the user wants to see the cluster, call show_dashboard: clients that render MCP Apps show it as an interactive view; what the user does there comes back to you as context.');
  }
  if (targets.length > 1) {
    lines.push(`Targets: ${targets.map((target) => target.name).join(', ')}; pass target to choose one (default ${targets[0]?.name}).`);
  }
  return lines.join('\n');
}

function readPackageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const version = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}
