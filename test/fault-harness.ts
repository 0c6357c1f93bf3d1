import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { DEMO_USER, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';

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

/**
 * A pass-through HTTP proxy in front of the simulator that keeps every credential crossing the wire:
 * the sid, SynoToken and device id DSM hands out at login, and the tokens clients send back. The
 * secret scans look for exactly these values.
 */
export interface WireTap {
  url: string;
  secrets(): string[];
  close(): Promise<void>;
}

export async function startWireTap(targetUrl: string): Promise<WireTap> {
  const seen = new Set<string>();
  const keep = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= 6 && value !== '--------') seen.add(value);
  };
  const server = createServer((incoming, outgoing) => {
    // A connection the simulator dropped (an injected fault) is dropped towards the client too.
    forward(targetUrl, incoming, outgoing, keep).catch(() => incoming.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secrets: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function forward(
  targetUrl: string,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  keep: (value: unknown) => void,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const url = new URL(incoming.url ?? '/', targetUrl);
  for (const [key, value] of url.searchParams) if (isCredentialName(key)) keep(value);
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) if (isCredentialName(key)) keep(value);
  keep(incoming.headers['x-syno-token']);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(incoming.headers)) {
    if (typeof value === 'string' && key !== 'host' && key !== 'connection') headers[key] = value;
  }
  const answer = await fetch(url, {
    method: incoming.method ?? 'GET',
    headers,
    ...(body.length > 0 ? { body } : {}),
  });
  const text = await answer.text();
  const contentType = answer.headers.get('content-type') ?? 'text/plain';
  if (contentType.startsWith('application/json')) {
    const data = (JSON.parse(text) as { data?: Record<string, unknown> }).data;
    keep(data?.sid);
    keep(data?.synotoken);
    keep(data?.did);
    keep(data?.device_id);
  }
  outgoing.writeHead(answer.status, { 'content-type': contentType });
  outgoing.end(text);
}

function isCredentialName(key: string): boolean {
  return key === '_sid' || key === 'SynoToken' || key === 'device_id' || key === 'passwd' || key === 'otp_code';
}

/** Every place in `texts` where one of `secrets` appears, for a readable failure message. */
export function leaks(texts: readonly string[], secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    for (const text of texts) {
      const at = text.indexOf(secret);
      if (at < 0) continue;
      const end = at + secret.length;
      found.push(`${text.slice(Math.max(0, at - 60), at)}<secret ${secret.slice(0, 3)}...>${text.slice(end, end + 20)}`);
    }
  }
  return found;
}

/** The password and every session id the simulator saw in use: what must never appear in output. */
export function simulatorSecrets(simulator: SimulatorHandle): string[] {
  const secrets = new Set<string>([DEMO_USER.password]);
  for (const request of simulator.stats.requests) {
    for (const key of ['_sid', 'SynoToken']) {
      const value = request.params[key];
      if (value !== undefined && value.length >= 6) secrets.add(value);
    }
  }
  return [...secrets];
}

/**
 * Counts the expiries `faults.expireEvery` injects. The simulator keeps this count to itself, so the
 * test wraps its decision function; what the simulator does is unchanged.
 */
export function countInjectedExpiries(simulator: SimulatorHandle): () => number {
  const faults = simulator.faults as unknown as { sessionShouldExpire(): boolean };
  const decide = faults.sessionShouldExpire.bind(faults);
  let expiries = 0;
  faults.sessionShouldExpire = () => {
    const expire = decide();
    if (expire) expiries += 1;
    return expire;
  };
  return () => expiries;
}
