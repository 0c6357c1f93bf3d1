import { DASHBOARD_TOOLS } from './dashboard.js';
import type { ToolDefinition } from './define.js';
import { IMAGE_TOOLS } from './images.js';
import { INVENTORY_TOOLS } from './inventory.js';
import { TARGET_TOOLS } from './targets.js';
import { TASK_TOOLS } from './tasks.js';
import { VM_TOOLS } from './vms.js';

export { annotationsFor, defineTool } from './define.js';
export type { TargetRuntime, ToolContext, ToolDefinition, ToolEffect } from './define.js';

/** Every tool the server offers, in the order they are listed. The one list: nothing else names tools. */
export const TOOL_DEFINITIONS: readonly ToolDefinition[] = [
  ...VM_TOOLS,
  ...IMAGE_TOOLS,
  ...TASK_TOOLS,
  ...INVENTORY_TOOLS,
  ...TARGET_TOOLS,
  ...DASHBOARD_TOOLS,
];
