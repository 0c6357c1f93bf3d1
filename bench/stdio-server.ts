import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * A minimal MCP client over the stdio of a spawned `dist/cli.js`: newline-delimited JSON-RPC, nothing
 * else. It is deliberately thinner than the SDK client so that the figures measure the server, and it
 * keeps the byte size of every answer (the context cost an agent pays).
 */

export interface RpcAnswer {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
  /** UTF-8 bytes of the whole JSON-RPC answer line. */
  bytes: number;
}

export interface Notification {
  method: string;
  params?: Record<string, unknown>;
}

interface Pending {
  resolve(answer: RpcAnswer): void;
  reject(error: Error): void;
}

export const PROTOCOL_VERSION = '2025-11-25';

/** USER_HZ: Linux reports process times in these ticks; 100 on every mainstream build. */
const CLOCK_TICKS_PER_S = 100;

export class StdioServer {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(n: Notification) => void>();
  private readonly stderrChunks: string[] = [];
  /** stdout lines that were not JSON-RPC: a server must never write any. */
  readonly strayOutput: string[] = [];
  private nextId = 1;
  private exited: Promise<number | null>;

  constructor(
    cliPath: string,
    options: { args?: string[]; env?: Record<string, string | undefined>; nodeFlags?: string[] } = {},
  ) {
    this.child = spawn(process.execPath, [...(options.nodeFlags ?? []), cliPath, ...(options.args ?? [])], {
      env: { ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => this.stderrChunks.push(chunk));
    // A server that exits mid-run makes writes fail with EPIPE; the pending calls below report it.
    this.child.stdin.on('error', () => this.failAll(new Error('server stdin closed')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    void this.exited.then((code) => this.failAll(new Error(`server exited with code ${code}`)));
    const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => this.receive(line));
  }

  get stderr(): string {
    return this.stderrChunks.join('');
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('server process did not start');
    return this.child.pid;
  }

  onNotification(listener: (n: Notification) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request(method: string, params: Record<string, unknown> = {}): Promise<RpcAnswer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  notify(method: string, params: Record<string, unknown> = {}): void {
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method, params })}\n`);
  }

  async initialize(): Promise<RpcAnswer> {
    const answer = await this.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'vmm-mcp-bench', version: '0' },
    });
    if (answer.error) throw new Error(`initialize failed: ${answer.error.message}`);
    this.notify('notifications/initialized');
    return answer;
  }

  callTool(name: string, args: Record<string, unknown>, progressToken?: string | number): Promise<RpcAnswer> {
    const params: Record<string, unknown> = { name, arguments: args };
    if (progressToken !== undefined) params._meta = { progressToken };
    return this.request('tools/call', params);
  }

  /** CPU time (user + system) the server process used so far, in ms (10 ms resolution on most kernels). */
  cpuTimeMs(): number {
    // /proc/<pid>/stat: the command name may hold spaces, so count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_S;
  }

  /** Peak resident set size of the server process so far (VmHWM), in MiB. */
  peakRssMb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    if (!match) throw new Error('VmHWM missing from /proc status');
    return Number(match[1]) / 1024;
  }

  /** Writes bytes to the server's stdin as they are, malformed or not. */
  writeRaw(text: string): void {
    this.child.stdin.write(text);
  }

  /** Resolves with the exit code once the server process ends. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  /** Closes stdin (the MCP way to stop a stdio server) and waits for the exit code. */
  async close(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }

  private receive(line: string): void {
    if (line.trim() === '') return;
    const message = parseMessage(line);
    if (message === undefined) {
      this.strayOutput.push(line);
      return;
    }
    if (message.method !== undefined && message.id !== undefined) {
      // The server asks something (ping); answer so it never waits on us.
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} })}\n`);
      return;
    }
    if (message.method !== undefined) {
      const notification: Notification = { method: message.method };
      if (message.params !== undefined) notification.params = message.params;
      for (const listener of this.listeners) listener(notification);
      return;
    }
    const pending = this.pending.get(Number(message.id));
    if (!pending) return;
    this.pending.delete(Number(message.id));
    const answer: RpcAnswer = { bytes: Buffer.byteLength(line, 'utf8') };
    if (message.result !== undefined) answer.result = message.result;
    if (message.error !== undefined) answer.error = message.error;
    pending.resolve(answer);
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

interface Message {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: RpcAnswer['error'];
}

function parseMessage(line: string): Message | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Message) : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
