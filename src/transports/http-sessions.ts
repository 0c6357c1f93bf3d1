import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from '../log.js';
import { replyJsonRpcError } from './http-reply.js';

export interface McpSessionsOptions {
  /** Called once per MCP session: each client gets its own server, so its own confirmations and elicitations. */
  createMcpServer: () => McpServer;
  logger: Logger;
  maxRequestBodyBytes: number;
  /** A session with no open request for this long is closed (its client vanished without DELETE). */
  idleMs: number;
  /** Most sessions open at once, counting those being initialized. */
  maxSessions: number;
  now?: () => number;
}

interface Session {
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  /** Open HTTP requests, including a client's long-lived GET stream: a session with one is never idle. */
  inFlight: number;
  lastActive: number;
}

/** The live MCP sessions of the HTTP transport, keyed by the Mcp-Session-Id the SDK transport issued. */
export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;
  /** Sessions whose `initialize` is being answered: not in `sessions` yet, but counted against the cap. */
  private opening = 0;

  constructor(private readonly options: McpSessionsOptions) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => void this.closeIdle(), Math.min(options.idleMs, 60_000));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const session = this.sessions.get(id);
      // 404 tells a client that its session is gone and that it should initialize a new one.
      if (session === undefined) return replyJsonRpcError(res, 404, -32001, 'Session not found');
      return this.serve(session, req, res);
    }
    if (req.method !== 'POST') return replyJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    const { maxSessions } = this.options;
    if (this.sessions.size + this.opening >= maxSessions) {
      this.options.logger.warning('Refused a new MCP session: the session limit is reached', { sessions: this.sessions.size, maxSessions });
      const idleMinutes = Math.max(1, Math.round(this.options.idleMs / 60_000));
      return replyJsonRpcError(res, 503, -32000,
        `Too many MCP sessions: this server already holds ${maxSessions} (VMM_HTTP_MAX_SESSIONS). `
        + 'Close sessions you no longer use (HTTP DELETE with their Mcp-Session-Id) and retry; '
        + `idle sessions expire after ${idleMinutes} min (VMM_HTTP_SESSION_IDLE_S).`,
        { 'retry-after': '30' });
    }
    return this.open(req, res);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await this.closeSessions([...this.sessions.values()], 'server shutting down');
  }

  private async open(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let pending = true;
    const settle = (): void => {
      if (pending) this.opening -= 1;
      pending = false;
    };
    this.opening += 1;
    try {
      await this.initialize(req, res, settle);
    } finally {
      settle();
    }
  }

  private async initialize(req: IncomingMessage, res: ServerResponse, initialized: () => void): Promise<void> {
    const { logger } = this.options;
    const server = this.options.createMcpServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        initialized();
        this.sessions.set(id, session);
        logger.info('MCP session opened', { session: id, sessions: this.sessions.size });
      },
      maxRequestBodySize: this.options.maxRequestBodyBytes,
    });
    const session: Session = { server, transport, inFlight: 0, lastActive: this.now() };
    transport.onclose = () => this.forget(session);
    transport.onerror = (error) => logger.debug('MCP HTTP request rejected', { error: error.message });
    await server.connect(transport);
    await this.serve(session, req, res);
    // A first request that was not `initialize` got its 400 from the transport: there is no session to keep.
    if (transport.sessionId === undefined) await server.close();
  }

  private async serve(session: Session, req: IncomingMessage, res: ServerResponse): Promise<void> {
    session.inFlight += 1;
    session.lastActive = this.now();
    res.once('close', () => {
      session.inFlight -= 1;
      session.lastActive = this.now();
    });
    await session.transport.handleRequest(req, res);
  }

  private forget(session: Session): void {
    const id = session.transport.sessionId;
    if (id !== undefined && this.sessions.delete(id)) {
      this.options.logger.info('MCP session closed', { session: id, sessions: this.sessions.size });
    }
  }

  private async closeIdle(): Promise<void> {
    const cutoff = this.now() - this.options.idleMs;
    const idle = [...this.sessions.values()].filter((session) => session.inFlight === 0 && session.lastActive < cutoff);
    await this.closeSessions(idle, 'idle');
  }

  private async closeSessions(sessions: Session[], why: string): Promise<void> {
    const results = await Promise.allSettled(sessions.map((session) => session.server.close()));
    for (const result of results) {
      if (result.status === 'rejected') {
        this.options.logger.warning(`Closing an MCP session (${why}) failed`, { error: String(result.reason) });
      }
    }
  }
}
