import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { GuardDecision, Subject } from '../safety/guard.js';
import type { Policy, ToolEffect } from '../safety/policy.js';
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
  target: TargetRuntime;
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
  input: Input;
  output: Output;
  run(args: z.output<NoInfer<Input>>, ctx: ToolContext): Promise<z.input<NoInfer<Output>>>;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  effect: ToolEffect;
  annotations: ToolAnnotations;
  /** The full, strict argument schema as listed: the tool's own fields plus `target` (and `confirm_token`). */
  input: AnyObject;
  /** What `structuredContent` matches; for destructive tools, also the confirmation request. */
  output: z.ZodType<Record<string, unknown>>;
  /** Runs with arguments already parsed by `input` and stripped of `target` and `confirm_token`. */
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<Record<string, unknown>>;
}

/** Accepted by every tool, declared once here rather than per tool. */
const targetArgument = z
  .string()
  .min(1)
  .max(255)
  .optional()
  .describe('Name of the configured target (DSM) to act on. Only needed when the server has several; default: the first one.');

/** Accepted by every destructive tool. */
const confirmTokenArgument = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe(
    'Single-use token from a previous result with status "confirmation_required". Call again with exactly the same '
      + 'other arguments plus this token to execute, after the user agreed to the preview. Omit it on the first call.',
  );

/** The one mapping from effect to MCP annotations: no tool states its hints by hand. */
export function annotationsFor(effect: ToolEffect): ToolAnnotations {
  switch (effect) {
    case 'read':
      return { readOnlyHint: true, idempotentHint: true, destructiveHint: false, openWorldHint: true };
    case 'write':
      return { readOnlyHint: false, destructiveHint: false, openWorldHint: true };
    case 'destructive':
      return { readOnlyHint: false, destructiveHint: true, openWorldHint: true };
  }
}

/** Destructive calls may answer with a confirmation request instead of their result. */
const confirmationRequiredOutput = z.object({
  status: z.literal('confirmation_required'),
  message: z.string().describe('What needs confirming and how.'),
  confirm_token: z.string().describe('Pass this back as confirm_token, with the same other arguments, to execute.'),
  expires_at: z.string().describe('ISO time after which the token is refused.'),
  preview: z.record(z.string(), z.unknown()).describe('Exactly what will happen: tool, target, subject, consequence, arguments.'),
});

export function defineTool<Input extends AnyObject, Output extends AnyObject>(spec: ToolSpec<Input, Output>): ToolDefinition {
  const common: z.ZodRawShape =
    spec.effect === 'destructive' ? { target: targetArgument, confirm_token: confirmTokenArgument } : { target: targetArgument };
  const output: z.ZodType<Record<string, unknown>> =
    spec.effect === 'destructive' ? z.union([spec.output, confirmationRequiredOutput]) : spec.output;
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    effect: spec.effect,
    annotations: annotationsFor(spec.effect),
    input: z.object({ ...spec.input.shape, ...common }).strict(),
    output,
    // The boundary parsed `args` with `input`, a superset of spec.input, and removed the common arguments.
    run: async (args, ctx) => spec.run(args as z.output<Input>, ctx) as Promise<Record<string, unknown>>,
  };
}
