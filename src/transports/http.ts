import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { OperationError } from '../errors.js';
import type { Logger } from '../log.js';
import { registerSecret } from '../safety/redact.js';
import { defaultAllowedHosts, defaultAllowedOrigins, hostForUrl, HttpAccess, isLoopbackHost, isWildcardHost } from './http-access.js';
import { replyJson, replyJsonRpcError } from './http-reply.js';
import { McpSessions } from './http-sessions.js';

export interface TargetHealth {
  name: string;
  sessionLive: boolean;
}

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port; the handle's url says which. */
  port: number;
  /** Bearer token every /mcp request must carry. */
  token: string;
  /** Binding to anything but loopback exposes the server to the network: it must be asked for. */
  allowNonLoopback?: boolean;
  /** Accepted Host headers (default: 127.0.0.1, localhost and [::1] at the bound port, plus the bound address). */
  allowedHosts?: string[];
  /** Accepted Origin headers when one is sent (default: http and https origins of the allowed hosts). */
  allowedOrigins?: string[];
  /**
   * One McpServer per MCP session; it should close over the shared target runtimes. It should log
   * through `sessionLogger`, whose lines (audit lines with call arguments) reach only this session's
   * client, while lines of `logger` itself reach every session that asked for log messages.
   */
  createMcpServer: (sessionLogger: Logger) => McpServer;
  logger: Logger;
  health: () => Promise<{ targets: TargetHealth[] }>;
  /** Largest accepted POST body (default 1 MiB: tool arguments are small). */
  maxRequestBodyBytes?: number;
  /** Sessions without an open request for this long are closed (default 10 minutes). */
  sessionIdleMs?: number;
  /** Most sessions open at once (default 200); a client over it is answered 503. */
  maxSessions?: number;
  /** Clock for session idleness; tests pass a fake one. */
  now?: () => number;
}

export interface HttpServerHandle {
  /** The MCP endpoint, e.g. http://127.0.0.1:3000/mcp */
  url: string;
  close(): Promise<void>;
}

export const MCP_PATH = '/mcp';
export const HEALTH_PATH = '/healthz';
export const MIN_TOKEN_LENGTH = 16;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_SESSION_IDLE_MS = 10 * 60_000;
const DEFAULT_MAX_SESSIONS = 200;

/** A token for when the user did not set one: 256 random bits. */
export function generateHttpToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * MCP over Streamable HTTP on Node's http module: `/mcp` (bearer token, Host/Origin allow-lists, one
 * MCP session per client) and `/healthz` (no token, no secrets) for process supervisors.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  checkBinding(options);
  registerSecret(options.token);
  // The transport's own lines (session ids, refused requests) are for the operator: stderr, never a client.
  const logger = options.logger.child();
  const server = createServer();
  const port = await listen(server, options.host, options.port);
  const allowedHosts = options.allowedHosts ?? defaultAllowedHosts(options.host, port);
  const access = new HttpAccess({
    token: options.token,
    allowedHosts,
    allowedOrigins: options.allowedOrigins ?? defaultAllowedOrigins(allowedHosts),
  });
  const sessions = new McpSessions({
    createMcpServer: () => options.createMcpServer(options.logger.child()),
    logger,
    maxRequestBodyBytes: options.maxRequestBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    idleMs: options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS,
    maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const routes: Routes = { access, sessions, health: options.health, logger };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    route(routes, req, res).catch((error: unknown) => failRequest(res, logger, error));
  });
  const urlHost = isWildcardHost(options.host) ? '127.0.0.1' : hostForUrl(options.host);
  const url = `http://${urlHost}:${port}${MCP_PATH}`;
  logger.info('MCP Streamable HTTP transport listening', { url, allowedHosts });

  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= shutDown(server, sessions);
      return closing;
    },
  };
}

interface Routes {
  access: HttpAccess;
  sessions: McpSessions;
  health: HttpServerOptions['health'];
  logger: Logger;
}

async function route(routes: Routes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://placeholder').pathname;
  const request = {
    host: req.headers.host,
    origin: req.headers.origin,
    authorization: req.headers.authorization,
  };
  if (path === HEALTH_PATH) {
    const verdict = routes.access.checkOrigin(request);
    if (!verdict.ok) return refuse(routes.logger, res, path, verdict.status, verdict.reason);
    if (req.method !== 'GET') return replyJson(res, 405, { error: 'Method not allowed' }, { allow: 'GET', connection: 'close' });
    return replyHealth(routes, res);
  }
  if (path === MCP_PATH) {
    const verdict = routes.access.check(request);
    if (!verdict.ok) return refuse(routes.logger, res, path, verdict.status, verdict.reason);
    return routes.sessions.handle(req, res);
  }
  replyJson(res, 404, { error: 'Not found' }, { connection: 'close' });
}

function refuse(logger: Logger, res: ServerResponse, path: string, status: 401 | 403, reason: string): void {
  logger.warning('Refused an HTTP request', { path, status, reason });
  // Closing the connection stops an unauthenticated client from streaming a body we would only discard.
  const headers: Record<string, string> = { connection: 'close' };
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  replyJsonRpcError(res, status, -32000, reason, headers);
}

async function replyHealth(routes: Routes, res: ServerResponse): Promise<void> {
  try {
    const { targets } = await routes.health();
    replyJson(res, 200, {
      status: 'ok',
      targets: targets.map((target) => ({ name: target.name, session_live: target.sessionLive })),
    });
  } catch (error) {
    routes.logger.warning('Health check failed', { error: error instanceof Error ? error.message : String(error) });
    replyJson(res, 503, { status: 'error' });
  }
}

function failRequest(res: ServerResponse, logger: Logger, error: unknown): void {
  logger.error('HTTP request failed', { error: error instanceof Error ? error.message : String(error) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  replyJsonRpcError(res, 500, -32603, 'Internal server error', { connection: 'close' });
}

/** The settings startHttpServer refuses, checked without starting anything. */
export function checkBinding(options: Pick<HttpServerOptions, 'host' | 'token' | 'allowNonLoopback'>): void {
  if (!isLoopbackHost(options.host) && options.allowNonLoopback !== true) {
    throw new OperationError('invalid_input',
      `Refusing to serve MCP over HTTP on ${options.host}: it is not a loopback address, so other machines could reach the server.`,
      { next: 'Bind to 127.0.0.1 (the default), or pass --allow-remote and put a TLS reverse proxy in front.' });
  }
  if (options.token.length < MIN_TOKEN_LENGTH) {
    throw new OperationError('invalid_input',
      `The HTTP bearer token (VMM_HTTP_TOKEN) is ${options.token.length} characters long; it needs at least ${MIN_TOKEN_LENGTH}.`,
      { next: 'Set VMM_HTTP_TOKEN to a long random string, or unset it to have one generated at start.' });
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new OperationError('invalid_input', `Cannot listen for MCP over HTTP on ${host}:${port} (${error.code ?? error.message}).`, {
        next: error.code === 'EADDRINUSE' ? 'Pick another --port, or stop the process that uses this one.' : 'Check --host and --port.',
        cause: error,
      }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function shutDown(server: Server, sessions: McpSessions): Promise<void> {
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  await sessions.closeAll();
  server.closeAllConnections();
  await stopped;
}
