import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isOperationError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { isLoopbackHost } from '../src/transports/http-access.js';
import { generateHttpToken, startHttpServer, type HttpServerHandle, type HttpServerOptions } from '../src/transports/http.js';
import { capturingLogger, connectClient, INITIALIZE_BODY, MCP_POST_HEADERS, rawRequest } from './http-helpers.js';

const TOKEN = 'test-token-0123456789abcdef';

/** Each MCP session gets a server that knows its own number, so a test can tell sessions apart. */
function numberedServers(): { create: () => McpServer; created: () => number } {
  let count = 0;
  return {
    create: () => {
      count += 1;
      const number = count;
      const server = new McpServer({ name: 'numbered', version: '0.0.0' });
      server.registerTool('which_server', { description: 'Says which server instance answered.' }, () => ({
        content: [{ type: 'text', text: String(number) }],
      }));
      return server;
    },
    created: () => count,
  };
}

const handles: HttpServerHandle[] = [];

async function start(options: Partial<HttpServerOptions> = {}): Promise<HttpServerHandle> {
  const handle = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    createMcpServer: numberedServers().create,
    logger: silentLogger,
    health: async () => ({ targets: [{ name: 'nas', sessionLive: true }] }),
    ...options,
  });
  handles.push(handle);
  return handle;
}

function healthUrl(handle: HttpServerHandle): string {
  return handle.url.replace(/\/mcp$/, '/healthz');
}

function hostOf(url: string): string {
  return new URL(url).host;
}

async function textOf(result: Promise<unknown>): Promise<string> {
  const { content } = (await result) as { content: Array<{ type: string; text: string }> };
  return content.map((item) => item.text).join('');
}

afterEach(async () => {
  await Promise.all(handles.splice(0).map((handle) => handle.close()));
});

describe('HTTP transport: binding', () => {
  it('refuses a non-loopback address unless remote access is allowed, saying how to allow it', async () => {
    const error = await startHttpServer({
      host: '0.0.0.0', port: 0, token: TOKEN, createMcpServer: numberedServers().create, logger: silentLogger,
      health: async () => ({ targets: [] }),
    }).catch((caught: unknown) => caught);
    expect(isOperationError(error) && error.kind).toBe('invalid_input');
    expect(isOperationError(error) && error.next).toContain('--allow-remote');
  });

  it('binds every interface when remote access is allowed, and still only accepts its own Host names', async () => {
    const handle = await start({ host: '0.0.0.0', allowNonLoopback: true });
    expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect((await rawRequest(healthUrl(handle))).status).toBe(200);
    expect((await rawRequest(healthUrl(handle), { headers: { host: 'nas.example' } })).status).toBe(403);
  });

  it('refuses a token shorter than 16 characters', async () => {
    const error = await start({ token: 'short' }).catch((caught: unknown) => caught);
    expect(isOperationError(error) && error.kind).toBe('invalid_input');
    expect(isOperationError(error) && error.message).toContain('VMM_HTTP_TOKEN');
  });

  it('treats 127.0.0.0/8, ::1 in any spelling and localhost as loopback, and nothing else', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost', 'LOCALHOST']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.5', 'nas.local', 'localhost.evil.example']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('generates tokens long and random enough to be accepted', () => {
    const first = generateHttpToken();
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(generateHttpToken()).not.toBe(first);
  });
});

describe('HTTP transport: access control on /mcp', () => {
  it('answers 401 with WWW-Authenticate: Bearer and the same bare body for a missing and a wrong token', async () => {
    const handle = await start();
    const missing = await rawRequest(handle.url, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE_BODY });
    const wrong = await rawRequest(handle.url, {
      method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}x` }, body: INITIALIZE_BODY,
    });
    const notBearer = await rawRequest(handle.url, {
      method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Basic ${TOKEN}` }, body: INITIALIZE_BODY,
    });
    for (const response of [missing, wrong, notBearer]) {
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.body).toBe(missing.body);
    }
    expect(missing.body).not.toContain(TOKEN);
  });

  it('accepts the token with any capitalisation of the Bearer scheme', async () => {
    const handle = await start();
    const response = await rawRequest(handle.url, {
      method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `bearer ${TOKEN}` }, body: INITIALIZE_BODY,
    });
    expect(response.status).toBe(200);
    expect(response.headers['mcp-session-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 403 to a Host header that is not allowed, even with the right token', async () => {
    const handle = await start();
    const response = await rawRequest(handle.url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}`, host: `rebound.example:${new URL(handle.url).port}` },
      body: INITIALIZE_BODY,
    });
    expect(response.status).toBe(403);
    expect(response.body).toContain('Host');
  });

  it('answers 403 to an Origin that is not allowed, and accepts the server\'s own origin', async () => {
    const handle = await start();
    const headers = { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}` };
    const foreign = await rawRequest(handle.url, { method: 'POST', headers: { ...headers, origin: 'http://evil.example' }, body: INITIALIZE_BODY });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain('Origin');
    const own = await rawRequest(handle.url, { method: 'POST', headers: { ...headers, origin: `http://${hostOf(handle.url)}` }, body: INITIALIZE_BODY });
    expect(own.status).toBe(200);
  });

  it('accepts configured Host and Origin values instead of the defaults', async () => {
    const handle = await start({ allowedHosts: ['vmm.example.com'], allowedOrigins: ['https://vmm.example.com'] });
    const headers = { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}` };
    const viaProxy = await rawRequest(handle.url, {
      method: 'POST', headers: { ...headers, host: 'vmm.example.com', origin: 'https://vmm.example.com' }, body: INITIALIZE_BODY,
    });
    expect(viaProxy.status).toBe(200);
    const direct = await rawRequest(handle.url, { method: 'POST', headers, body: INITIALIZE_BODY });
    expect(direct.status).toBe(403);
  });

  it('answers 413 to a body over the size bound without creating a session', async () => {
    const servers = numberedServers();
    const handle = await start({ maxRequestBodyBytes: 1024, createMcpServer: servers.create });
    const response = await rawRequest(handle.url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { padding: 'x'.repeat(4096) } }),
    });
    expect(response.status).toBe(413);
    expect(response.headers['mcp-session-id']).toBeUndefined();
  });

  it('answers 404 to an unknown session id so that the client starts a new session', async () => {
    const handle = await start();
    const response = await rawRequest(handle.url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}`, 'mcp-session-id': '00000000-0000-4000-8000-000000000000' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(response.status).toBe(404);
  });

  it('answers 400 to a first request that is not initialize', async () => {
    const handle = await start();
    const response = await rawRequest(handle.url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers['mcp-session-id']).toBeUndefined();
  });

  it('answers 404 to paths other than /mcp and /healthz', async () => {
    const handle = await start();
    const response = await rawRequest(handle.url.replace(/\/mcp$/, '/admin'), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(404);
  });
});

describe('HTTP transport: sessions', () => {
  it('gives two concurrent clients their own MCP session and their own server', async () => {
    const servers = numberedServers();
    const handle = await start({ createMcpServer: servers.create });
    const [a, b] = await Promise.all([connectClient(handle.url, TOKEN, 'a'), connectClient(handle.url, TOKEN, 'b')]);
    expect(a.transport.sessionId).toBeDefined();
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
    const [toolsA, toolsB] = await Promise.all([a.client.listTools(), b.client.listTools()]);
    expect(toolsA.tools.map((tool) => tool.name)).toEqual(['which_server']);
    expect(toolsB.tools.map((tool) => tool.name)).toEqual(['which_server']);
    const answers = await Promise.all([
      textOf(a.client.callTool({ name: 'which_server', arguments: {} })),
      textOf(b.client.callTool({ name: 'which_server', arguments: {} })),
      textOf(a.client.callTool({ name: 'which_server', arguments: {} })),
    ]);
    expect(answers[0]).toBe(answers[2]);
    expect(new Set(answers).size).toBe(2);
    expect(servers.created()).toBe(2);
    await Promise.all([a.client.close(), b.client.close()]);
  });

  it('ends a session when its client terminates it, leaving the other client working', async () => {
    const handle = await start();
    const a = await connectClient(handle.url, TOKEN, 'a');
    const b = await connectClient(handle.url, TOKEN, 'b');
    const ended = a.transport.sessionId as string;
    await a.transport.terminateSession();
    const response = await rawRequest(handle.url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}`, 'mcp-session-id': ended },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
    });
    expect(response.status).toBe(404);
    expect((await b.client.listTools()).tools).toHaveLength(1);
    await Promise.all([a.client.close(), b.client.close()]);
  });

  it('closes a session that stays without requests past the idle limit', async () => {
    const handle = await start({ sessionIdleMs: 50 });
    const opened = await rawRequest(handle.url, {
      method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}` }, body: INITIALIZE_BODY,
    });
    const session = opened.headers['mcp-session-id'] as string;
    expect(session).toBeDefined();
    await vi.waitFor(async () => {
      const response = await rawRequest(handle.url, {
        method: 'POST',
        headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}`, 'mcp-session-id': session },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      });
      expect(response.status).toBe(404);
    }, { timeout: 5_000, interval: 100 });
  });

  it('closes open sessions and stops listening on close()', async () => {
    const handle = await start();
    const a = await connectClient(handle.url, TOKEN, 'a');
    await handle.close();
    await expect(a.client.listTools()).rejects.toThrow();
    await expect(rawRequest(healthUrl(handle))).rejects.toThrow(/ECONNREFUSED/);
    await a.client.close();
  });
});

describe('HTTP transport: /healthz', () => {
  it('reports each target and whether its DSM session is live, without a token', async () => {
    const handle = await start({
      health: async () => ({ targets: [{ name: 'nas-a', sessionLive: true }, { name: 'nas-b', sessionLive: false }] }),
    });
    const response = await rawRequest(healthUrl(handle));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      status: 'ok',
      targets: [{ name: 'nas-a', session_live: true }, { name: 'nas-b', session_live: false }],
    });
    expect(response.body).not.toContain(TOKEN);
  });

  it('answers 503 when the health probe fails, and 403 to a foreign Host', async () => {
    const handle = await start({ health: async () => { throw new Error('probe broke'); } });
    const failing = await rawRequest(healthUrl(handle));
    expect(failing.status).toBe(503);
    expect(JSON.parse(failing.body)).toEqual({ status: 'error' });
    const rebound = await rawRequest(healthUrl(handle), { headers: { host: 'rebound.example' } });
    expect(rebound.status).toBe(403);
  });
});

describe('HTTP transport: secrets', () => {
  it('never writes the token to the log, even when a client sends it to a wrong place', async () => {
    const { logger, lines } = capturingLogger();
    const handle = await start({ logger });
    await rawRequest(handle.url, { method: 'POST', headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${TOKEN}`, host: 'x.example' }, body: INITIALIZE_BODY });
    await rawRequest(handle.url.replace(/\/mcp$/, `/${TOKEN}`));
    const a = await connectClient(handle.url, TOKEN);
    await a.client.close();
    await handle.close();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});
