import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings, SETTINGS_TABLE } from '../src/config.js';
import { startSimulator, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { TOOL_DEFINITIONS } from '../src/tools/index.js';
import { CLI, cleanEnv } from './cli-harness.js';
import { block, settingsTable, toolsTable } from './readme-tables.js';

/** The README is the product's front door: its tables, commands and examples must stay true to the code. */

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

describe('README tables', () => {
  it('lists every setting exactly as the settings schema declares it', () => {
    expect(block(readme, 'settings')).toBe(settingsTable());
  });

  it('lists every tool with the effect, title and first sentence of its definition', () => {
    expect(block(readme, 'tools')).toBe(toolsTable());
    expect(TOOL_DEFINITIONS.length).toBeGreaterThan(0);
  });

  it('names no environment variable that the settings schema does not know', () => {
    const known = new Set(SETTINGS_TABLE.flatMap((row) => (row.env === undefined ? [] : [row.env])));
    const mentioned = new Set(readme.match(/VMM_[A-Z_]+[A-Z]/g) ?? []);
    expect([...mentioned].filter((name) => !known.has(name))).toEqual([]);
  });
});

describe('README commands', () => {
  it('gives the two quick-start commands, and package.json makes them do what the README says', () => {
    expect(readme).toContain('npm install && npm start -- --simulator');
    expect(readme).toContain('npm install && npm test');
    expect(packageJson.scripts.prepare).toBe('npm run build');
    expect(packageJson.scripts.start).toBe('node dist/cli.js');
    // The tests run against the build, and only once the code type-checks and passes the linter.
    expect(packageJson.scripts.pretest).toBe('npm run build && npm run typecheck && npm run lint');
    expect(packageJson.scripts.typecheck).toMatch(/^tsc -p tsconfig.json --noEmit/);
    expect(packageJson.scripts.lint).toBe('biome lint');
    expect(packageJson.scripts.test).toBe('vitest run');
  });

  it('pipes the shown JSON-RPC lines into the server and gets the VM list back on stdout', async () => {
    const script = /```sh\n([\s\S]*?)```/.exec(block(readme, 'stdio-demo'))?.[1] ?? '';
    expect(script).toContain('node dist/cli.js --simulator');
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('sh', ['-c', script], { cwd: root, env: cleanEnv(), timeout: 20_000 }, (error, out) => (error ? reject(error) : resolve(out)));
    });
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: number; result: { structuredContent?: { vms: string[][] } } });
    expect(lines.map((line) => line.id)).toEqual([1, 2]);
    expect(lines[1]?.result.structuredContent?.vms.map((row) => row[0])).toContain('web-01');
  });

  describe("the curl commands of the guide's working example", () => {
    let simulator: SimulatorHandle | undefined;
    afterEach(async () => {
      await simulator?.close();
      simulator = undefined;
    });

    it('log in, get a VM and log out against the simulator', async () => {
      simulator = await startSimulator();
      const urls = [...block(readme, 'curl').matchAll(/curl '([^']+)'/g)].map((match) => match[1] ?? '');
      expect(urls).toHaveLength(3);
      const at = (url: string, sid = ''): string => url.replace('http://127.0.0.1:5000', simulator?.url ?? '').replace('_sid=SID', `_sid=${sid}`);

      const login = (await (await fetch(at(urls[0] ?? ''))).json()) as { success: boolean; data: { sid: string } };
      expect(login.success).toBe(true);
      const get = await (await fetch(at(urls[1] ?? '', login.data.sid))).json();
      expect(get).toMatchObject({ success: true, data: { guest_name: 'web-01' } });
      expect(await (await fetch(at(urls[2] ?? '', login.data.sid))).json()).toMatchObject({ success: true });
      expect(simulator.stats.logouts).toBe(1);
    });
  });
});

describe('mcp.json.example', () => {
  const example = JSON.parse(readFileSync(new URL('../mcp.json.example', import.meta.url), 'utf8')) as {
    mcpServers: Record<string, { command?: string; args?: string[]; env?: Record<string, string>; type?: string; url?: string; headers?: Record<string, string> }>;
  };
  const placeholder = '/absolute/path/to/vmm-mcp/dist/cli.js';

  it('runs node on the absolute path of dist/cli.js, once on the simulator and once against a NAS', () => {
    const demo = example.mcpServers['vmm-demo'];
    const nas = example.mcpServers['vmm-nas'];
    expect(demo).toEqual({ command: 'node', args: [placeholder, '--simulator'] });
    expect(nas?.command).toBe('node');
    expect(nas?.args).toEqual([placeholder]);
    expect(readme).toContain('/absolute/path/to/vmm-mcp');
  });

  it('sets only known settings in the NAS entry, and no password in clear', () => {
    const env = example.mcpServers['vmm-nas']?.env ?? {};
    const known = new Set(SETTINGS_TABLE.flatMap((row) => (row.env === undefined ? [] : [row.env])));
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    expect(env.VMM_PASSWORD).toBeUndefined();
    const { VMM_TLS_FINGERPRINT: placeholderPin, ...checkable } = env;
    expect(placeholderPin).toBeDefined();
    expect(loadSettings({ env: checkable, flags: {} }).settings).toMatchObject({ url: 'https://nas.local:5001', protect: ['prod-*', 'db-*'] });
  });

  it('reaches a shared --http server at /mcp with the token taken from the environment, never written in the file', () => {
    const team = example.mcpServers['vmm-team'];
    expect(team?.type).toBe('http');
    expect(new URL(team?.url ?? '').pathname).toBe('/mcp');
    expect(team?.headers?.Authorization).toBe('Bearer ${VMM_HTTP_TOKEN}');
    expect(SETTINGS_TABLE.some((row) => row.env === 'VMM_HTTP_TOKEN')).toBe(true);
  });

  it('starts the demo entry as a client would and lists its tools', async () => {
    const demo = example.mcpServers['vmm-demo'];
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: (demo?.args ?? []).map((arg) => (arg === placeholder ? CLI : arg)),
      env: cleanEnv() as Record<string, string>,
      stderr: 'ignore',
    });
    const client = new Client({ name: 'readme-check', version: '0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(TOOL_DEFINITIONS.map((tool) => tool.name));
    } finally {
      await client.close();
    }
  });
});
