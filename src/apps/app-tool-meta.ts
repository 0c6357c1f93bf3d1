import { getUiCapability, registerAppTool, RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

/**
 * The `_meta` a tool that renders an MCP App carries in tools/list: `ui.resourceUri`, and the older flat
 * `ui/resourceUri` key that hosts written before the 2026-01-26 spec read. registerAppTool settles both.
 * It registers on an McpServer, while this server's tool boundary owns tools/list and tools/call itself
 * (tools/register.ts says why), so the tool is registered on a server of its own that is never
 * connected, and only the metadata registerAppTool gave it is kept.
 */
export function appToolMeta(toolName: string, resourceUri: string): Record<string, unknown> {
  const scratch = new McpServer({ name: 'app-tool-meta', version: '0.0.0' });
  const registered = registerAppTool(scratch, toolName, { _meta: { ui: { resourceUri } } }, () => ({ content: [] }));
  return { ...registered._meta };
}

/** Whether the client declared the MCP Apps extension (io.modelcontextprotocol/ui) with the HTML profile. */
export function rendersApps(capabilities: ClientCapabilities | undefined): boolean {
  return getUiCapability(capabilities)?.mimeTypes?.includes(RESOURCE_MIME_TYPE) === true;
}
