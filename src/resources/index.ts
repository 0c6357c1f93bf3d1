import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TargetRuntime } from '../tools/define.js';
import { registerInventoryResources } from './inventory.js';
import { registerVmResource } from './vm.js';

export { completeVmNames } from './vm.js';

/** Resources describe the default target: URIs carry no target name. */
export function registerResources(server: McpServer, target: TargetRuntime): void {
  registerInventoryResources(server, target);
  registerVmResource(server, target);
}
