import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { DEMO_USER, type SimulatorHandle } from '../src/simulator/index.js';

/**
 * The fault, fuzz and secret tests drive the built server the way an MCP client does: `dist/cli.js`
 * spawned over stdio, pointed at a simulator in the test process through VMM_URL. Everything the
 * server says (results, protocol errors, stderr) is kept, so a test can scan it for secrets.
 */

export const CLI_PATH = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface ToolAnswer {
  isError: boolean;
  text: string;
  structured: Record<string, unknown> | undefined;
}

export interface ServerUnderTest {
  readonly client: Client;
  readonly pid: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Every result text and protocol error message seen so far, in order. */
  transcript(): string[];
  call(name: string, args: Record<string, unknown>, options?: RequestOptions): Promise<ToolAnswer>;
  close(): Promise<void>;
}

export async function startServer(simulator: SimulatorHandle, env: Record<string, string> = {}): Promise<ServerUnderTest> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI_PATH],
    env: {
      VMM_URL: simulator.url,
      VMM_USERNAME: DEMO_USER.account,
      VMM_PASSWORD: DEMO_USER.password,
      VMM_LOG_LEVEL: 'debug',
      ...env,
    },
    stderr: 'pipe',
  });
  const stderrChunks: string[] = [];
  transport.stderr?.on('data', (chunk: Buffer | string) => stderrChunks.push(chunk.toString()));
  const transcript: string[] = [];
  const client = new Client({ name: 'vmm-mcp-fault-tests', version: '0' });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    transcript.push(JSON.stringify(notification.params));
  });
  await client.connect(transport);
  // Log lines forwarded to the client are scanned for secrets like the rest.
  if (client.getServerCapabilities()?.logging !== undefined) await client.setLoggingLevel('debug');
  const pid = transport.pid;
  if (pid === null) throw new Error('server did not start');
  return {
    client,
    pid,
    stderr: () => stderrChunks.join(''),
    transcript: () => [...transcript],
    async call(name, args, options) {
      try {
        const result = await client.callTool({ name, arguments: args }, undefined, options);
        const text = (result.content as Array<{ type: string; text?: string }>)
          .map((part) => (part.type === 'text' ? (part.text ?? '') : JSON.stringify(part)))
          .join('\n');
        transcript.push(text);
        if (result.structuredContent !== undefined) transcript.push(JSON.stringify(result.structuredContent));
        return {
          isError: result.isError === true,
          text,
          structured: result.structuredContent as Record<string, unknown> | undefined,
        };
      } catch (error) {
        transcript.push(error instanceof Error ? error.message : String(error));
        throw error;
      }
    },
    async close() {
      await client.close();
    },
  };
}

/** Requests the simulator received for this API and method since `from` (an index into the log). */
export function requestsTo(simulator: SimulatorHandle, api: string, method: string, from = 0): number {
  return simulator.stats.requests.slice(from).filter((r) => r.api === api && r.method === method).length;
}
