import { completable, type CompletableSchema } from '@modelcontextprotocol/sdk/server/completable.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { startingWith } from '../resources/index.js';
import type { TargetRuntime } from '../tools/define.js';
import type { Vmm } from '../vmm/operations.js';

type CompletionContext = { arguments?: Record<string, string> } | undefined;

/**
 * Prompts over several targets: an optional `target` argument (only when there is a choice), the
 * target that argument completions read (the one named so far, else the default), and the line
 * that tells the agent to pass it on to every tool call.
 */
export class PromptTargets {
  constructor(private readonly targets: readonly TargetRuntime[]) {}

  /** To spread into a prompt's argsSchema: `target`, when there is a choice. */
  argument(): Record<string, CompletableSchema<z.ZodOptional<z.ZodString>>> {
    if (this.targets.length < 2) return {};
    const names = this.targets.map((target) => target.name);
    return {
      target: completable(z.string().optional().describe(`Target to work on (default: ${names[0]}).`), (value) => startingWith(value ?? '', names)),
    };
  }

  vmmFor(context: CompletionContext): Vmm {
    const named = this.targets.find((target) => target.name === context?.arguments?.target);
    return (named ?? this.default()).vmm;
  }

  /**
   * What the prompt text says about the target named in the prompt's arguments: nothing for the
   * default. Refuses a name that is not configured.
   */
  instruction(args: Record<string, unknown>): string[] {
    const name = args.target;
    if (typeof name !== 'string' || name === '' || name === this.default().name) return [];
    if (!this.targets.some((target) => target.name === name)) {
      const names = this.targets.map((target) => target.name).join(', ');
      throw new McpError(ErrorCode.InvalidParams, `No target is named "${name}"; use one of: ${names}`);
    }
    return [`Work on target "${name}": pass target "${name}" in every tool call.`, ''];
  }

  /** The `target` argument for the tool calls a prompt suggests: none for the default target. */
  callTarget(args: Record<string, unknown>): Record<string, string> {
    const name = args.target;
    return typeof name === 'string' && name !== '' && name !== this.default().name ? { target: name } : {};
  }

  private default(): TargetRuntime {
    const [first] = this.targets;
    if (first === undefined) throw new Error('prompts need at least one target');
    return first;
  }
}
