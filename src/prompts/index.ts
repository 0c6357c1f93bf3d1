import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TargetRuntime } from '../tools/define.js';
import { registerDiagnosePrompt } from './diagnose-vm-start.js';
import { registerProvisionPrompt } from './provision-vm.js';

/** Prompts for the common jobs; argument completion reads the default target. */
export function registerPrompts(server: McpServer, target: TargetRuntime): void {
  registerProvisionPrompt(server, target);
  registerDiagnosePrompt(server, target);
}
