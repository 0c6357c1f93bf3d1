import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type ElicitRequestFormParams,
  type ProgressToken,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { rendersApps } from '../apps/app-tool-meta.js';
import { OperationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AuditedCall, AuditLog, FinalOutcome } from '../safety/audit.js';
import type { Elicit } from '../safety/confirm-elicitation.js';
import type { GuardDecision, SafetyGuard, Subject } from '../safety/guard.js';
import { isListed } from '../safety/policy.js';
import type { Capability } from '../vmm/backend.js';
import type { Progress } from '../vmm/operations.js';
import type { ProceedDecision, TargetRuntime, ToolContext, ToolDefinition } from './define.js';
import { describeTool } from './listing.js';
import { confirmationResult, describeFailure, describeInvalidArguments, errorResult, successResult } from './results.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolServices {
  /** The first is the default target. */
  targets: readonly TargetRuntime[];
  guard: SafetyGuard;
  audit: AuditLog;
  logger: Logger;
  /** How long the server waits for the human to answer a confirmation form. */
  elicitationTimeoutMs: number;
}

/** A guard decision that ends the call without running the rest of the tool. */
class GuardStop extends Error {
  constructor(readonly decision: Exclude<GuardDecision, { action: 'proceed' }>) {
    super(decision.action);
  }
}

/**
 * The tool boundary: lists the tools some target's policy allows, and runs every call through the same
 * steps: parse the arguments (a rejection names the field), pick the target, apply its policy, run with
 * the safety gate, audit changes, and turn every failure into an `isError` result. Unknown tools stay
 * protocol errors. The handlers are set on the low-level server because McpServer 1.x answers an
 * unknown tool with an error result and validates arguments before the boundary could explain them.
 */
export function registerTools(server: McpServer, tools: readonly ToolDefinition[], services: ToolServices): void {
  const catalog = () => catalogFor(tools, services.targets);
  let announced = catalog();
  server.server.registerCapabilities({ tools: { listChanged: true } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => {
    announced = catalog();
    return { tools: rendersApps(server.server.getClientCapabilities()) ? announced.appListing : announced.plainListing };
  });
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = catalog().listed.get(request.params.name);
    if (tool === undefined) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}. tools/list shows the tools this server offers.`);
    }
    try {
      return await new ToolCall(server, tool, services, extra).run(request.params.arguments ?? {}, request.params._meta?.progressToken);
    } finally {
      // A call may have taught a backend what it can do (a DSM's family and dialect): a longer list is announced.
      if (catalog() !== announced) {
        announced = catalog();
        server.server.sendToolListChanged().catch((error: unknown) => services.logger.debug('could not send tools/list_changed', { error }));
      }
    }
  });
}

interface Catalog {
  listed: ReadonlyMap<string, ToolDefinition>;
  /** The tools/list answers, JSON Schemas converted once: for clients that render MCP Apps, and for the others. */
  plainListing: ReturnType<typeof describeTool>[];
  appListing: ReturnType<typeof describeTool>[];
}

/**
 * Every MCP session of a process (one per HTTP client) lists the same tools over the same targets:
 * the catalog is built once per tool list, target list and set of tools the targets may do (which
 * grows when a backend learns at first contact that it can do more), keeping a session's memory small.
 */
const catalogs = new WeakMap<readonly ToolDefinition[], WeakMap<readonly TargetRuntime[], Map<string, Catalog>>>();

function catalogFor(tools: readonly ToolDefinition[], targets: readonly TargetRuntime[]): Catalog {
  let byTargets = catalogs.get(tools);
  if (byTargets === undefined) catalogs.set(tools, (byTargets = new WeakMap()));
  let byListed = byTargets.get(targets);
  if (byListed === undefined) byTargets.set(targets, (byListed = new Map()));
  const listable = tools.filter((tool) => targets.some((target) => isListed(tool.effect, target.policy) && mayDo(tool, target)));
  const offered = new Set(targets.flatMap((target) => [...offersOf(target)]));
  const key = `${listable.map((tool) => tool.name).join(' ')} | ${[...offered].sort().join(' ')}`;
  const known = byListed.get(key);
  if (known !== undefined) return known;
  const listed = new Map(listable.map((tool) => [tool.name, tool]));
  const targetNames = targets.map((target) => target.name);
  const listing = (client: { rendersApps: boolean }) => [...listed.values()].map((tool) => describeTool(tool, targetNames, offered, client));
  const catalog = { listed, plainListing: listing({ rendersApps: false }), appListing: listing({ rendersApps: true }) };
  byListed.set(key, catalog);
  return catalog;
}

class ToolCall {
  private subject: Subject | undefined;
  /** Set once the gate let the call go ahead: from then on its outcome is owed to the audit log. */
  private audited: AuditedCall | undefined;

  constructor(
    private readonly server: McpServer,
    private readonly tool: ToolDefinition,
    private readonly services: ToolServices,
    private readonly extra: Extra,
  ) {}

  async run(rawArgs: Record<string, unknown>, progressToken: ProgressToken | undefined): Promise<CallToolResult> {
    const { tool, services } = this;
    const parsed = tool.input.safeParse(rawArgs);
    if (!parsed.success) {
      const text = describeInvalidArguments(tool.name, parsed.error);
      this.record(requestedTarget(rawArgs, services.targets), rawArgs, 'error', text);
      return errorResult(text);
    }
    const { target: targetName, confirm_token: confirmToken, ...args } = parsed.data as Record<string, unknown>;
    let target: TargetRuntime;
    try {
      target = pickTarget(targetName as string | undefined, services.targets);
    } catch (error) {
      return this.failed(requestedTarget(rawArgs, services.targets), args, error);
    }
    if (!isListed(tool.effect, target.policy)) {
      const text = describeFailure(tool.name, hiddenOn(tool, target));
      this.record(target.name, args, 'refused', text);
      return errorResult(text);
    }
    try {
      await this.requireCapabilities(target, args);
    } catch (error) {
      return this.failed(target.name, args, error);
    }
    const ctx: ToolContext = {
      target,
      targets: services.targets,
      vmm: target.vmm,
      signal: this.extra.signal,
      logger: services.logger,
      progress: progressReporter(progressToken, this.extra, services.logger),
      guard: (subject, consequence) => this.guard(target, args, confirmToken as string | undefined, subject, consequence),
    };
    let data: Record<string, unknown>;
    try {
      data = await tool.run(args, ctx);
    } catch (error) {
      if (!(error instanceof GuardStop)) return this.failed(target.name, args, error);
      if (error.decision.action === 'refused') {
        const text = describeFailure(tool.name, error.decision.error);
        this.record(target.name, args, 'refused', text);
        return errorResult(text);
      }
      this.record(target.name, args, 'confirmation_required');
      return confirmationResult(tool.name, error.decision);
    }
    this.audited?.finish('ok');
    const checked = tool.output.safeParse(data);
    if (!checked.success) {
      services.logger.error(`${tool.name} produced a result outside its outputSchema`, { issues: z.prettifyError(checked.error) });
      return errorResult(`${tool.name} ran, but its result did not match its outputSchema (a server bug): ${z.prettifyError(checked.error)}`);
    }
    return successResult(checked.data, tool.summarize);
  }

  /**
   * A tool needing what the target lacks, or an argument only other systems take, is refused with the
   * backend's explanation and the targets that can.
   */
  private async requireCapabilities(target: TargetRuntime, args: Record<string, unknown>): Promise<void> {
    const { tool } = this;
    const given = Object.entries(tool.inputNeeds).filter(([field]) => args[field] !== undefined);
    if (tool.needs.length === 0 && given.length === 0) return;
    const capabilities = await target.vmm.capabilities({ signal: this.extra.signal });
    const lacks = (needs: readonly Capability[]) => !needs.some((capability) => capabilities.has(capability));
    const others = this.services.targets.filter((other) => other !== target && mayDo(tool, other));
    if (tool.needs.length > 0 && lacks(tool.needs)) {
      const missing = target.vmm.backend.unsupported(tool.needs[0] as Capability);
      const able = others.map((other) => other.name);
      throw new OperationError('unsupported', `${tool.name} is not available on target ${target.name}: ${missing.message}`, {
        next: able.length > 0 ? `targets that can: ${able.join(', ')} (pass target)${missing.next === undefined ? '' : `; or ${missing.next}`}` : missing.next,
        cause: missing,
      });
    }
    const unmet = given.find(([, needs]) => lacks(needs));
    if (unmet === undefined) return;
    const [field, needs] = unmet;
    const missing = target.vmm.backend.unsupported(needs[0] as Capability);
    const able = others.filter((other) => needs.some((capability) => offersOf(other).has(capability))).map((other) => other.name);
    throw new OperationError('unsupported', `${tool.name} cannot take ${field} on target ${target.name}: ${missing.message}`, {
      next: `omit ${field}${able.length > 0 ? `, or pass target as one that takes it: ${able.join(', ')}` : ''}${missing.next === undefined ? '' : `; or ${missing.next}`}`,
      cause: missing,
    });
  }

  private async guard(
    target: TargetRuntime,
    args: Record<string, unknown>,
    confirmToken: string | undefined,
    subject: Subject | undefined,
    consequence: string,
  ): Promise<ProceedDecision> {
    this.subject = subject;
    const unmet = subject === undefined ? undefined : this.tool.precondition?.(args, subject, target.vmm);
    const decision = await this.services.guard.check({
      tool: this.tool.name,
      title: this.tool.title,
      effect: this.tool.effect,
      targetName: target.name,
      policy: target.policy,
      ...(subject === undefined ? {} : { subject }),
      args,
      consequence,
      ...(unmet === undefined ? {} : { unmet }),
      ...(confirmToken === undefined ? {} : { confirmToken }),
      ...this.elicitation(),
      signal: this.extra.signal,
    });
    if (decision.action !== 'proceed') throw new GuardStop(decision);
    if (this.tool.effect !== 'read') {
      this.audited = this.services.audit.begin({ tool: this.tool.name, target: target.name, ...this.describedSubject(), args }, this.services.logger);
    }
    return decision;
  }

  /** Form elicitation, only for clients that declared it. */
  private elicitation(): { elicit?: Elicit } {
    const lowLevel = this.server.server;
    if (lowLevel.getClientCapabilities()?.elicitation?.form === undefined) return {};
    const elicit: Elicit = async ({ message, requestedSchema }) => {
      const answer = await lowLevel.elicitInput(
        // The guard builds a flat form of string fields, which is what this type describes.
        { mode: 'form', message, requestedSchema: requestedSchema as ElicitRequestFormParams['requestedSchema'] },
        { signal: this.extra.signal, relatedRequestId: this.extra.requestId, timeout: this.services.elicitationTimeoutMs },
      );
      return { action: answer.action, ...(answer.content === undefined ? {} : { content: answer.content }) };
    };
    return { elicit };
  }

  private failed(targetName: string, args: Record<string, unknown>, error: unknown): CallToolResult {
    const text = describeFailure(this.tool.name, error);
    if (!(error instanceof OperationError)) this.services.logger.error(text);
    if (this.audited === undefined) this.record(targetName, args, 'error', text);
    else this.audited.finish(finalOutcome(error, this.extra.signal), text);
    return errorResult(text);
  }

  /** One line for a write or destructive call that ended before the gate let it change anything; reads change nothing worth recording. */
  private record(targetName: string, args: Record<string, unknown>, outcome: 'refused' | 'confirmation_required' | 'error', error?: string): void {
    if (this.tool.effect === 'read') return;
    this.services.audit.record(
      { tool: this.tool.name, target: targetName, ...this.describedSubject(), args, outcome, ...(error === undefined ? {} : { error }) },
      this.services.logger,
    );
  }

  private describedSubject(): { subject?: string } {
    const { subject } = this;
    return subject === undefined ? {} : { subject: `${subject.kind} ${JSON.stringify(subject.name)} (id ${subject.id})` };
  }
}

/** A write that failed in transit may have happened; one the client or a closing session cancelled was stopped. */
function finalOutcome(error: unknown, signal: AbortSignal): FinalOutcome {
  if (error instanceof OperationError && error.outcomeUnknown) return 'outcome unknown';
  if (signal.aborted || (error instanceof OperationError && error.kind === 'cancelled')) return 'cancelled';
  return 'error';
}

/** Whether the target may have what the tool needs, as far as is known before contacting it. */
function mayDo(tool: ToolDefinition, target: TargetRuntime): boolean {
  if (tool.needs.length === 0) return true;
  const offers = offersOf(target);
  return tool.needs.some((capability) => offers.has(capability));
}

/** What the target's backend may be able to do before it was contacted (see VmmBackend.offers). */
function offersOf(target: TargetRuntime): ReadonlySet<Capability> {
  const { backend } = target.vmm;
  return backend.offers ?? backend.capabilities;
}

function pickTarget(name: string | undefined, targets: readonly TargetRuntime[]): TargetRuntime {
  const [first] = targets;
  if (first === undefined) throw new OperationError('invalid_input', 'No target is configured', { next: 'configure a DSM to talk to' });
  if (name === undefined) return first;
  const found = targets.find((target) => target.name === name);
  if (found !== undefined) return found;
  throw new OperationError('invalid_input', `No target is named "${name}"`, {
    next: `pass target as one of: ${targets.map((target) => target.name).join(', ')}; or omit it for ${first.name}`,
  });
}

/** The target the caller meant, for the audit line of a call that failed before picking one. */
function requestedTarget(rawArgs: Record<string, unknown>, targets: readonly TargetRuntime[]): string {
  return typeof rawArgs.target === 'string' ? rawArgs.target : (targets[0]?.name ?? '');
}

function hiddenOn(tool: ToolDefinition, target: TargetRuntime): OperationError {
  const why = target.policy.readOnly
    ? `target ${target.name} is read-only (VMM_READ_ONLY)`
    : `destructive tools are disabled on target ${target.name} (VMM_DESTRUCTIVE=deny)`;
  return new OperationError('policy', `${tool.name} refused: ${why}`, {
    next: 'use a target that allows it, or change that target\'s settings',
  });
}

/**
 * Progress notifications, only when the request carried a progressToken. MCP wants the value to grow
 * with every notification: repeats are dropped, and a later phase of the same call (a VM status wait
 * after a task wait) continues from where the previous phase ended.
 */
function progressReporter(token: ProgressToken | undefined, extra: Extra, logger: Logger): (progress: Progress) => void {
  if (token === undefined) return () => undefined;
  let base = 0;
  let lastRaw = Number.NEGATIVE_INFINITY;
  let lastSent = Number.NEGATIVE_INFINITY;
  return ({ progress, total, message }) => {
    if (progress < lastRaw) base = lastSent;
    lastRaw = progress;
    const value = base + progress;
    if (value <= lastSent) return;
    lastSent = value;
    const params = { progressToken: token, progress: value, message, ...(total === undefined ? {} : { total: base + total }) };
    extra.sendNotification({ method: 'notifications/progress', params }).catch((error: unknown) => {
      logger.debug('could not send a progress notification', { error });
    });
  };
}
