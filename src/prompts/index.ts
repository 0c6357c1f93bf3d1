import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TargetRuntime } from '../tools/define.js';
import { registerDiagnosePrompt } from './diagnose-vm-start.js';
import { registerProvisionPrompt } from './provision-vm.js';
import { PromptTargets } from './targets.js';

/** Prompts for the common jobs; with several targets they take an optional `target`, which completions read. */
export function registerPrompts(server: McpServer, targets: readonly TargetRuntime[]): void {
  const promptTargets = new PromptTargets(targets);
  registerProvisionPrompt(server, promptTargets);
  registerDiagnosePrompt(server, promptTargets);
}
