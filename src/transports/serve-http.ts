import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ConfigError, type Settings } from '../config.js';
import { isOperationError } from '../errors.js';
import type { Logger } from '../log.js';
import { isSessionLive } from '../runtime.js';
import type { TargetRuntime } from '../server.js';
import { checkBinding, generateHttpToken, startHttpServer, type HttpServerHandle } from './http.js';

export type HttpSettings = Pick<
  Settings,
  | 'http_host'
  | 'http_port'
  | 'http_allow_remote'
  | 'http_token'
  | 'http_allowed_hosts'
  | 'http_allowed_origins'
  | 'http_max_sessions'
  | 'http_session_idle_s'
>;

/** Refuses what serveHttp would refuse, before anything (the demo simulator, DSM sessions) starts. */
export function checkHttpSettings(settings: HttpSettings): void {
  try {
    checkBinding({ host: settings.http_host, token: settings.http_token ?? generateHttpToken(), allowNonLoopback: settings.http_allow_remote });
  } catch (error) {
    throw asSettingError(error);
  }
}

/** A refused binding, a short token or a busy port: settings to fix, reported like any other bad setting. */
function asSettingError(error: unknown): unknown {
  return isOperationError(error) && error.kind === 'invalid_input' ? new ConfigError(`${error.message} ${error.next ?? ''}`.trim()) : error;
}

/**
 * `vmm-mcp --http`: every MCP session gets its own server from `createMcpServer`, all of them over the
 * same targets (one DSM session each), each logging through its own session logger. The operator learns the URL, and the token if we made it up,
 * on stderr: the logger would mask the token, since it is a registered secret.
 */
export async function serveHttp(
  settings: HttpSettings,
  createMcpServer: (sessionLogger: Logger) => McpServer,
  targets: readonly TargetRuntime[],
  logger: Logger,
  writeStderr: (text: string) => void = (text) => process.stderr.write(text),
): Promise<HttpServerHandle> {
  const token = settings.http_token ?? generateHttpToken();
  const handle = await startHttpServer({
    host: settings.http_host,
    port: settings.http_port,
    token,
    allowNonLoopback: settings.http_allow_remote,
    maxSessions: settings.http_max_sessions,
    sessionIdleMs: settings.http_session_idle_s * 1000,
    ...(settings.http_allowed_hosts === undefined ? {} : { allowedHosts: settings.http_allowed_hosts }),
    ...(settings.http_allowed_origins === undefined ? {} : { allowedOrigins: settings.http_allowed_origins }),
    createMcpServer,
    logger,
    health: async () => ({ targets: targets.map((target) => ({ name: target.name, sessionLive: isSessionLive(target) })) }),
  }).catch((error: unknown) => {
    throw asSettingError(error);
  });
  const lines = [`vmm-mcp: serving MCP over Streamable HTTP at ${handle.url}`];
  if (settings.http_token === undefined) {
    lines.push(`vmm-mcp: bearer token for this run (set VMM_HTTP_TOKEN to keep one across restarts): ${token}`);
  }
  writeStderr(`${lines.join('\n')}\n`);
  return handle;
}
