import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../src/providers/index.js';
import { TOOL_DEFINITIONS } from '../src/tools/index.js';
import { finished, runCli, spawnCli } from './cli-harness.js';
import { connectClient, rawRequest } from './http-helpers.js';

/** `vmm-mcp --simulator --http` as an operator starts it: the built CLI in a child process. */

const TOKEN = 'cli-http-test-token-0123456789';

let child: ChildProcessWithoutNullStreams | undefined;

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

/** Resolves with the first stderr line that matches; rejects if the process exits first. */
function stderrLine(process: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const line = text.split('\n').find((candidate) => pattern.test(candidate));
      if (line === undefined) return;
      process.stderr.off('data', onData);
      process.off('exit', onExit);
      resolve(line);
    };
    const onExit = (code: number | null): void => reject(new Error(`exited with ${code} before printing ${pattern}; stderr: ${text}`));
    process.stderr.on('data', onData);
    process.once('exit', onExit);
  });
}

describe('vmm-mcp --http', () => {
  it('serves MCP at the URL it prints on stderr, keeps stdout empty, and stops cleanly on SIGTERM', async () => {
    child = spawnCli(['--simulator', '--http', '--port', '0'], { VMM_HTTP_TOKEN: TOKEN });
    const exit = finished(child);
    const line = await stderrLine(child, /serving MCP over Streamable HTTP at http:\/\/127\.0\.0\.1:\d+\/mcp/);
    const url = /(http:\/\/\S+\/mcp)/.exec(line)?.[1] as string;

    const a = await connectClient(url, TOKEN);
    expect((await a.client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(TOOL_DEFINITIONS.map((tool) => tool.name).sort());
    const listed = await a.client.callTool({ name: 'list_vms', arguments: {} });
    expect(listed.isError).not.toBe(true);
    const health = await rawRequest(url.replace(/\/mcp$/, '/healthz'));
    // The demo has one target per provider, named after its type; none of them holds an expired session.
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', targets: PROVIDERS.map((provider) => ({ name: provider.type, session_live: true })) });
    await a.client.close();

    child.kill('SIGTERM');
    const { code, stdout, stderr } = await exit;
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).not.toContain(TOKEN);
  });

  it('refuses a non-loopback --host without --allow-remote, as a bad setting (exit 2, one line)', async () => {
    const { code, stdout, stderr } = await runCli(['--simulator', '--http', '--host', '0.0.0.0', '--port', '0'], { VMM_HTTP_TOKEN: TOKEN });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^vmm-mcp: Refusing to serve MCP over HTTP on 0\.0\.0\.0.*--allow-remote/);
  });

  it('refuses a VMM_HTTP_TOKEN shorter than 16 characters without printing it', async () => {
    const { code, stderr } = await runCli(['--simulator', '--http', '--port', '0'], { VMM_HTTP_TOKEN: 'tiny-token' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^vmm-mcp: The HTTP bearer token \(VMM_HTTP_TOKEN\) is 10 characters long[^\n]*\n$/);
    expect(stderr).not.toContain('tiny-token');
  });
});
