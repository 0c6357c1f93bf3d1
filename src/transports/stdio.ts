import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.js';

/**
 * MCP over stdin/stdout with a graceful end: once closing starts, new requests are refused while the
 * ones in flight may finish (answers to the server's own requests, such as elicitation, still get
 * through); after the grace period the rest are cancelled and answered with an error, so no client
 * waits forever. stdout carries nothing but JSON-RPC.
 */

export interface StdioStreams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
}

export interface StdioServing {
  /** Resolves when the client went away: stdin ended, stdout broke, or the transport gave up. */
  readonly clientGone: Promise<string>;
  /** Stops taking requests, lets calls in flight finish for up to `graceMs`, cancels the rest, closes. */
  close(graceMs: number): Promise<void>;
}

export async function serveStdio(server: McpServer, logger: Logger, streams?: StdioStreams): Promise<StdioServing> {
  const stdin = streams?.stdin ?? process.stdin;
  const stdout = streams?.stdout ?? process.stdout;
  const transport = new DrainingTransport(new StdioServerTransport(stdin as NodeJS.ReadStream, stdout as NodeJS.WriteStream), logger);
  const clientGone = new Promise<string>((resolve) => {
    stdin.once('end', () => resolve('stdin closed'));
    stdin.once('close', () => resolve('stdin closed'));
    transport.onInnerClose = () => resolve('transport closed');
    stdout.on('error', (error: NodeJS.ErrnoException) => {
      logger.debug(`stdout failed (${error.code ?? error.message}); the client is gone`);
      transport.outputBroken();
      resolve('stdout closed');
    });
  });
  await server.connect(transport);

  let closing: Promise<void> | undefined;
  return {
    clientGone,
    close(graceMs) {
      closing ??= (async () => {
        const unfinished = await transport.drain(graceMs);
        if (unfinished.length > 0) logger.warning(`cancelling ${unfinished.length} call(s) still running after the ${graceMs} ms grace period`);
        await server.close();
        await transport.answerCancelled(unfinished);
      })();
      return closing;
    },
  };
}

/** Wraps the SDK's stdio transport to know which requests are still unanswered. */
class DrainingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  onInnerClose?: () => void;

  private readonly inFlight = new Set<RequestId>();
  private draining = false;
  /** Nothing written to stdout arrives any more: waiting for answers, or for a write to drain, is pointless. */
  private broken = false;
  private markBroken!: () => void;
  private readonly brokenOutput = new Promise<void>((resolve) => {
    this.markBroken = resolve;
  });
  private settle: (() => void) | undefined;

  constructor(
    private readonly inner: StdioServerTransport,
    private readonly logger: Logger,
  ) {}

  start(): Promise<void> {
    this.inner.onmessage = (message: JSONRPCMessage) => this.receive(message);
    this.inner.onerror = (error) => {
      this.logger.debug(`stdio: ${error.message}`);
      this.onerror?.(error);
    };
    this.inner.onclose = () => {
      this.onInnerClose?.();
      this.onclose?.();
    };
    return this.inner.start();
  }

  send(message: JSONRPCMessage): Promise<void> {
    const answered = answerId(message);
    if (answered !== undefined) {
      this.inFlight.delete(answered);
      if (this.inFlight.size === 0) this.settle?.();
    }
    return this.inner.send(message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  outputBroken(): void {
    this.broken = true;
    this.markBroken();
    this.settle?.();
  }

  /** Resolves with the ids still unanswered once all are answered, stdout breaks, or `graceMs` passed. */
  async drain(graceMs: number): Promise<RequestId[]> {
    this.draining = true;
    if (this.inFlight.size > 0 && !this.broken) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.settle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return [...this.inFlight];
  }

  /** Closing the server aborted these handlers, which then answer nothing: tell the client, if it still listens. */
  async answerCancelled(ids: readonly RequestId[]): Promise<void> {
    const message =
      'The server shut down before this call finished; a change it was making may or may not have happened. Check the current state before repeating it.';
    for (const id of ids) {
      if (this.broken) return;
      const answer = this.inner.send({ jsonrpc: '2.0', id, error: { code: ErrorCode.ConnectionClosed, message } });
      // A write into a pipe nobody reads never drains: stop waiting once the pipe reports it broke.
      await Promise.race([answer, this.brokenOutput]);
    }
  }

  private receive(message: JSONRPCMessage): void {
    if ('method' in message && 'id' in message) {
      if (this.draining) {
        this.inner
          .send({ jsonrpc: '2.0', id: message.id, error: { code: ErrorCode.ConnectionClosed, message: 'The server is shutting down; it takes no new requests.' } })
          .catch((error: unknown) => this.logger.debug(`stdio: could not refuse a request: ${String(error)}`));
        return;
      }
      this.inFlight.add(message.id);
    }
    this.onmessage?.(message);
  }
}

/**
 * The id a response answers, or undefined for requests and notifications. Messages here are already
 * valid JSON-RPC (the SDK parsed them, or built them), so their keys tell the kind; the SDK's
 * is*() guards would parse every message with zod again, and a failing zod safeParse keeps what it
 * looked at alive until the next full GC.
 */
function answerId(message: JSONRPCMessage): RequestId | undefined {
  if ('method' in message || !('id' in message)) return undefined;
  return message.id;
}
