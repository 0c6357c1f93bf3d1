import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { CLI, cleanEnv } from './cli-harness.js';

/**
 * An MCP client transport that spawns `dist/cli.js` itself and frames its stdout into lines, so a test
 * sees every byte the server wrote: each line must be one JSON-RPC message, and nothing else may appear.
 */
export class RecordingStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly child: ChildProcessWithoutNullStreams;
  /** Every line the server wrote on stdout, as written. */
  readonly stdoutLines: string[] = [];
  /** Lines that were not a JSON-RPC message. */
  readonly strayLines: string[] = [];
  private stderrText = '';
  private partial = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString('utf8');
    });
    // Writes after the server exited fail with EPIPE; the client sees the close instead.
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.onclose?.();
        resolve({ code, signal });
      });
    });
  }

  get stderr(): string {
    return this.stderrText;
  }

  async start(): Promise<void> {
    this.child.stdout.on('data', (chunk: Buffer) => {
      const text = this.partial + chunk.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.receive(line);
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Ends stdin, the MCP way to stop a stdio server, and waits for the exit. */
  async close(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }

  private receive(line: string): void {
    this.stdoutLines.push(line);
    let parsed: ReturnType<typeof JSONRPCMessageSchema.safeParse>;
    try {
      parsed = JSONRPCMessageSchema.safeParse(JSON.parse(line));
    } catch (error) {
      this.strayLines.push(line);
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (!parsed.success) {
      this.strayLines.push(line);
      return;
    }
    this.onmessage?.(parsed.data);
  }
}
