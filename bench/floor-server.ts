import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

/**
 * The SDK's own floor: an McpServer over stdio with one trivial tool and nothing else, spawned like
 * the real server. What a tool call costs here is what any SDK server pays per call; the overhead
 * figure of vmm-mcp is judged against it (bench/README.md).
 */
const server = new McpServer({ name: 'vmm-mcp-bench-floor', version: '0' });
server.registerTool('ping_tool', { description: 'Answers "ok".' }, () => ({ content: [{ type: 'text', text: 'ok' }] }));
await server.connect(new StdioServerTransport());
