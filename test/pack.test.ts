import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, type StdioServerParameters } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER } from '../src/providers/synology/simulator/index.js';
import { TOOL_DEFINITIONS } from '../src/tools/index.js';

/**
 * What a user installs: the npm tarball (`npx vmm-mcp`) and the desktop-extension bundle (`npm run pack:mcpb`).
 * Both are packed from this checkout's dist/ and run in folders that have nothing else, over stdio, against
 * the built-in simulator. Slow by nature (an npm install, a zip of node_modules): generous timeouts.
 */

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MCPB = join(ROOT, 'node_modules', '.bin', 'mcpb');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const EXPECTED_TOOLS = TOOL_DEFINITIONS.map((tool) => tool.name).sort();

let work: string;

/**
 * Under `npm test`, npm hands its own settings down as npm_* variables (npm_config_local_prefix points at
 * this checkout); an npm started from here without them acts on the folder it runs in, as a user's would.
 */
function withoutNpmVariables(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync(command, args, { cwd, env: withoutNpmVariables(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

/** Starts the server as a desktop client would, lists its tools, runs one and reads the dashboard view, then stops it. */
async function toolsAndVmsOverStdio(server: StdioServerParameters): Promise<{ tools: string[]; vms: number; dashboard: string; stderr: string }> {
  const transport = new StdioClientTransport({ ...server, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const client = new Client({ name: 'pack-check', version: '0.0.0' });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    const listed = await client.callTool({ name: 'list_vms', arguments: {} });
    expect(listed.isError, JSON.stringify(listed.content)).not.toBe(true);
    const total = (listed.structuredContent as { total: number }).total;
    const [view] = (await client.readResource({ uri: 'ui://vmm/dashboard' })).contents;
    const dashboard = view !== undefined && 'text' in view ? view.text : '';
    return { tools: tools.map((tool) => tool.name).sort(), vms: total, dashboard, stderr };
  } finally {
    await client.close();
  }
}

beforeAll(() => {
  // Built by `npm test` (pretest) before any test runs; rebuilding here would rewrite dist/ under the
  // feet of other test files that run the CLI at the same time.
  expect(existsSync(join(ROOT, 'dist', 'cli.js')), 'dist/cli.js is missing: run `npm run build` first').toBe(true);
  work = mkdtempSync(join(tmpdir(), 'vmm-mcp-pack-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('npm package', () => {
  it('installs from its tarball into an empty folder, where `npx vmm-mcp --simulator` answers over stdio', async () => {
    const packed = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT, 60_000);
    const [tarball] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = (tarball?.files ?? []).map((file) => file.path);
    expect(files).toContain('dist/cli.js');
    expect(files).toContain('dist/apps/dashboard.html');
    expect(files).toContain('LICENSE');
    expect(files.filter((path) => /^(src|test|bench)\//.test(path))).toEqual([]);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'vmm-mcp-install-check', private: true }));
    await run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball?.filename ?? '')], app, 240_000);

    // `--no`: use the installed package or fail, never fetch one of that name; `--` keeps --simulator away from npx.
    const answer = await toolsAndVmsOverStdio({ command: NPX, args: ['--no', '--', 'vmm-mcp', '--simulator'], cwd: app });
    expect(answer.tools).toEqual(EXPECTED_TOOLS);
    expect(answer.vms).toBeGreaterThan(0);
    expect(answer.dashboard).toMatch(/^<!doctype html>/);
    expect(answer.stderr).not.toContain(DEMO_USER.password);
  }, 360_000);
});

describe('desktop-extension bundle', () => {
  it('packs the server with only its production dependencies, and the unpacked bundle runs', async () => {
    const bundle = join(work, 'vmm-mcp.mcpb');
    const unpacked = join(work, 'bundle');
    // The same two steps as `npm run pack:mcpb`: zip the folder (.mcpbignore picks what goes in), then let
    // `mcpb clean` prune the development dependencies out of node_modules.
    await run(MCPB, ['pack', ROOT, bundle], ROOT, 180_000);
    await run(MCPB, ['clean', bundle], ROOT, 180_000);
    await run(MCPB, ['unpack', bundle, unpacked], ROOT, 60_000);

    for (const path of ['manifest.json', 'package.json', 'LICENSE', 'dist/cli.js', 'dist/apps/dashboard.html', 'node_modules/@modelcontextprotocol/ext-apps', 'node_modules/@modelcontextprotocol/sdk', 'node_modules/zod', 'node_modules/undici']) {
      expect(existsSync(join(unpacked, path)), path).toBe(true);
    }
    expect(readFileSync(join(unpacked, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} vmm-mcp contributors\n/);
    for (const path of ['src', 'test', 'bench', 'node_modules/vitest', 'node_modules/typescript', 'node_modules/@anthropic-ai/mcpb', 'node_modules/esbuild', 'node_modules/playwright-core']) {
      expect(existsSync(join(unpacked, path)), path).toBe(false);
    }

    const answer = await toolsAndVmsOverStdio({ command: process.execPath, args: [join(unpacked, 'dist', 'cli.js'), '--simulator'], cwd: unpacked });
    expect(answer.tools).toEqual(EXPECTED_TOOLS);
    expect(answer.vms).toBeGreaterThan(0);
    expect(answer.dashboard).toMatch(/^<!doctype html>/);
    expect(answer.stderr).not.toContain(DEMO_USER.password);
  }, 360_000);
});
