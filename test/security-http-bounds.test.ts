import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createServer } from '../src/server.js';
import { startHttpServer, type HttpServerHandle } from '../src/transports/http.js';
import { connectClient, INITIALIZE_BODY, MCP_POST_HEADERS, rawRequest } from './http-helpers.js';

/**
 * Issue 13, finding 6: 10,000 HTTP sessions grew the server to 862 MiB and nothing refused them. The
 * number of sessions is capped (over it: 503 and a message that says what to do), and idle sessions
 * expire after a setting. Idleness is judged by a clock the test controls.
 */

const TOKEN = 'security-http-bounds-token-0123456789';
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(options: { maxSessions: number; sessionIdleMs?: number; now?: () => number }): Promise<HttpServerHandle> {
  const http = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    // No target is called: the sessions only initialize and list.
    createMcpServer: (logger) => createServer({ targets: [{ name: 'nas', vmm: undefined as never, policy: { readOnly: true, destructive: 'deny', protect: [] } }], logger }),
    logger: silentLogger,
    health: async () => ({ targets: [] }),
    ...options,
  });
  cleanup.push(() => http.close());
  return http;
}

async function open(url: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const session = await connectClient(url, TOKEN);
  cleanup.push(() => session.client.close());
  return session;
}

describe('bounded HTTP mode', () => {
  it('refuses a session over the cap with 503 and a message that says what to do, and takes one again after a DELETE', async () => {
    const http = await start({ maxSessions: 3 });
    const sessions = [await open(http.url), await open(http.url), await open(http.url)];
    const refused = await rawRequest(http.url, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}` }, body: INITIALIZE_BODY });
    expect(refused.status).toBe(503);
    const message = (JSON.parse(refused.body) as { error: { message: string } }).error.message;
    expect(message).toMatch(/Too many MCP sessions: this server already holds 3 \(VMM_HTTP_MAX_SESSIONS\)/);
    expect(message).toContain('DELETE');
    await sessions[0]?.transport.terminateSession();
    const again = await open(http.url);
    expect((await again.client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it('closes a session idle for longer than the setting', async () => {
    let now = 1_000_000;
    const http = await start({ maxSessions: 10, sessionIdleMs: 200, now: () => now });
    const headers = { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}` };
    // Raw requests: an SDK client keeps a GET stream open, and a session with an open request is never idle.
    const initialized = await rawRequest(http.url, { method: 'POST', headers, body: INITIALIZE_BODY });
    const session = initialized.headers['mcp-session-id'];
    if (typeof session !== 'string') throw new Error(`no session: ${initialized.status} ${initialized.body}`);
    const probe = () => rawRequest(http.url, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    });
    expect((await probe()).status).toBe(202);
    let status = 202;
    for (let waited = 0; waited < 10_000 && status !== 404; waited += 300) {
      // A probe that finds the session marks it active again, so the clock moves past the idle time each round.
      now += 60_000;
      await sleep(300);
      status = (await probe()).status;
    }
    expect(status, 'the idle session was closed').toBe(404);
  });

  it('has both as settings, with defaults of 200 sessions and 10 minutes', () => {
    const defaults = loadSettings({ flags: {}, env: {} }).settings;
    expect(defaults.http_max_sessions).toBe(200);
    expect(defaults.http_session_idle_s).toBe(600);
    const set = loadSettings({ flags: {}, env: { VMM_HTTP_MAX_SESSIONS: '5', VMM_HTTP_SESSION_IDLE_S: '120' } }).settings;
    expect([set.http_max_sessions, set.http_session_idle_s]).toEqual([5, 120]);
  });
});
