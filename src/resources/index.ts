import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TargetRuntime } from '../tools/define.js';
import { registerInventoryResources } from './inventory.js';
import { registerTargetResources } from './targets.js';
import { registerVmResource } from './vm.js';

export { completeVmNames, startingWith } from './completion.js';

/**
 * vmm://hosts, vmm://storages, vmm://networks, vmm://images, vmm://vms and vmm://vms/{vm} describe the
 * default (first) target; with several targets, vmm://targets/{target}/... describes each one.
 */
export function registerResources(server: McpServer, targets: readonly TargetRuntime[]): void {
  const [first] = targets;
  if (first === undefined) return;
  registerInventoryResources(server, first);
  registerVmResource(server, first);
  registerTargetResources(server, targets);
}
