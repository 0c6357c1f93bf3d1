import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { OperationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { GuardDecision, Subject } from '../safety/guard.js';
import type { Policy, ToolEffect } from '../safety/policy.js';
import type { Capability } from '../vmm/backend.js';
import type { Progress, Vmm } from '../vmm/operations.js';

export type { ToolEffect } from '../safety/policy.js';

/** One configured DSM (or other) cluster, with the policy that governs it. */
export interface TargetRuntime {
  name: string;
  vmm: Vmm;
  policy: Policy;
}

export type ProceedDecision = Extract<GuardDecision, { action: 'proceed' }>;

/** What a tool's `run` gets besides its arguments. */
export interface ToolContext {
  /** The target the call acts on: the one named by `target`, or the default (first). */
  target: TargetRuntime;
  /** Every configured target, the default first. */
  targets: readonly TargetRuntime[];
  vmm: Vmm;
  /** Aborts when the client cancels the request; pass it to every Vmm call. */
  signal: AbortSignal;
  /** Sent to the client only when it asked for progress (a progressToken in the request). */
  progress(progress: Progress): void;
  /**
   * The safety gate for write and destructive tools: call it with the resolved subject before changing
   * anything. It resolves when the call may go ahead; otherwise it ends the call, and the tool boundary
   * answers with the refusal or the confirmation request (and records it in the audit log).
   */
  guard(subject: Subject | undefined, consequence: string): Promise<ProceedDecision>;
  logger: Logger;
}

type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface ToolSpec<Input extends AnyObject, Output extends AnyObject> {
  /** snake_case verb, fixed by the design. */
  name: string;
  title: string;
  description: string;
  effect: ToolEffect;
  /** `target` (the default): acts on one target, chosen by the `target` argument. `server`: about the server itself, no `target`. */
  scope?: ToolScope;
  /** The tool works on a target whose backend has any of these; listed only when some target may have one. */
  needs?: readonly Capability[];
  /**
   * Arguments only some systems take (a LunaNode region, an image status): each is listed only when a
   * target may have one of its capabilities, and refused at the boundary on a target that has none.
   */
  inputNeeds?: { readonly [Field in keyof Input['shape']]?: readonly Capability[] };
  input: Input;
  output: Output;
  /** A tool whose result an MCP App renders: its `_meta` (see apps/app-tool-meta.ts), listed only to clients that render apps. */
  appMeta?: Record<string, unknown>;
  /** The result's text for the model, instead of the result as JSON: for results whose data is for a view. */
  summarize?(output: z.output<NoInfer<Output>>): string;
  /**
   * What rules the call out in the subject's present state on this target (a running VM cannot be
   * deleted on DSM; `vmm` knows its backend's rules). The boundary checks it on the subject the tool
   * hands to `guard`, after the policy and before any confirmation.
   */
  precondition?(args: z.output<NoInfer<Input>>, subject: Subject, vmm: Vmm): OperationError | undefined;
  run(args: z.output<NoInfer<Input>>, ctx: ToolContext): Promise<z.input<NoInfer<Output>>>;
}

export type ToolScope = 'target' | 'server';

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  effect: ToolEffect;
  scope: ToolScope;
  /** Empty: every target can. Otherwise a target needs any one of these. */
  needs: readonly Capability[];
  /** Per argument, as `needs` is per tool (see ToolSpec). */
  inputNeeds: Readonly<Record<string, readonly Capability[]>>;
  annotations: ToolAnnotations;
  /**
   * The full, strict argument schema the boundary parses with: the tool's own fields plus `target` (unless
   * the scope is `server`) and `confirm_token` (destructive tools). The listing leaves `target` out when
   * there is only one target.
   */
  input: AnyObject;
  /** What `structuredContent` matches; for destructive tools, also the confirmation request. */
  output: z.ZodType<Record<string, unknown>>;
  appMeta?: Record<string, unknown>;
  /** Takes data `output` parsed. */
  summarize?(output: Record<string, unknown>): string;
  /** Checked by the boundary before the guard may ask anyone to confirm (see ToolSpec). */
  precondition?(args: Record<string, unknown>, subject: Subject, vmm: Vmm): OperationError | undefined;
  /** Runs with arguments already parsed by `input` and stripped of `target` and `confirm_token`. */
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<Record<string, unknown>>;
}

/**
 * Accepted by every target-scoped tool, declared once here rather than per tool. The listing shows it
 * as the list of target names (listing.ts); an unknown name is refused with those names.
 */
const targetArgument = z.string().min(1).max(255).optional();

/** Accepted by every destructive tool. */
const confirmTokenArgument = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe('From confirmation_required; only after the user agreed.');

/** The last sentence of every destructive tool's description. */
export const CONFIRMATION_NOTE =
  'It may answer "confirmation_required": show the preview to the user; only if they agree, call again with confirm_token.';

/**
 * The one mapping from effect to MCP annotations: no tool states its hints by hand. Hints equal to
 * MCP's defaults are left out (openWorldHint is true, as every tool talks to a NAS; destructiveHint
 * means nothing on a read-only tool).
 */
export function annotationsFor(effect: ToolEffect): ToolAnnotations {
  switch (effect) {
    case 'read':
      return { readOnlyHint: true, idempotentHint: true };
    case 'write':
      return { readOnlyHint: false, destructiveHint: false };
    case 'destructive':
      return { readOnlyHint: false, destructiveHint: true };
  }
}

/**
 * Destructive calls may answer with a confirmation request instead of their result. The preview repeats
 * the arguments the token is bound to, typed by the tool's own input schema. Only the preview's fields a
 * client may act on are declared; the rest (the subject's facts, the words for the human) may grow.
 */
function confirmationRequiredOutput(args: AnyObject) {
  return z.object({
    status: z.literal('confirmation_required'),
    message: z.string(),
    confirm_token: z.string(),
    expires_at: z.string(),
    preview: z.object({
      target: z.string(),
      subject: z.object({ kind: z.string(), id: z.string(), name: z.string() }),
      consequence: z.string(),
      args,
    }),
  });
}

export function defineTool<Input extends AnyObject, Output extends AnyObject>(spec: ToolSpec<Input, Output>): ToolDefinition {
  const scope = spec.scope ?? 'target';
  const common: z.ZodRawShape = {
    ...(scope === 'target' ? { target: targetArgument } : {}),
    ...(spec.effect === 'destructive' ? { confirm_token: confirmTokenArgument } : {}),
  };
  const output: z.ZodType<Record<string, unknown>> =
    spec.effect === 'destructive' ? z.union([spec.output, confirmationRequiredOutput(spec.input)]) : spec.output;
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    effect: spec.effect,
    scope,
    needs: spec.needs ?? [],
    inputNeeds: (spec.inputNeeds ?? {}) as Readonly<Record<string, readonly Capability[]>>,
    annotations: annotationsFor(spec.effect),
    input: z.object({ ...spec.input.shape, ...common }).strict(),
    output,
    ...(spec.appMeta === undefined ? {} : { appMeta: spec.appMeta }),
    // `output` parsed the data, so it has the shape spec.output describes.
    ...(spec.summarize === undefined ? {} : { summarize: spec.summarize as (output: Record<string, unknown>) => string }),
    // The boundary parsed `args` with `input`, a superset of spec.input, and removed the common arguments.
    ...(spec.precondition === undefined ? {} : { precondition: (args, subject, vmm) => spec.precondition?.(args as z.output<Input>, subject, vmm) }),
    run: async (args, ctx) => spec.run(args as z.output<Input>, ctx) as Promise<Record<string, unknown>>,
  };
}
