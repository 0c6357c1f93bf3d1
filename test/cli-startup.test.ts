import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEMO_USER, startSimulator, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { RecordingStdioTransport } from './e2e-harness.js';

/**
 * A desktop client waits for the spawned server's first answers, so the stdio server must not load
 * modules it only needs later (undici on the first DSM request) or never (the simulator, the HTTP
 * transport). A module hook records every module URL the server process loads.
 */

const scratch = mkdtempSync(join(tmpdir(), 'vmm-startup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function moduleRecorder(): { nodeOptions: string; loaded: () => string[] } {
  const dir = mkdtempSync(join(scratch, 'hook-'));
  const log = join(dir, 'modules.log');
  writeFileSync(log, '');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    [
      "import { appendFileSync } from 'node:fs';",
      'let log;',
      'export function initialize(data) { log = data.log; }',
      'export async function load(url, context, next) { appendFileSync(log, url + "\\n"); return next(url, context); }',
    ].join('\n'),
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: ${JSON.stringify(log)} } });\n`,
  );
  return {
    nodeOptions: `--import=${pathToFileURL(register).href}`,
    loaded: () => readFileSync(log, 'utf8').split('\n').filter((line) => line !== ''),
  };
}

async function stdioServer(sim: SimulatorHandle, nodeOptions: string): Promise<Client> {
  const transport = new RecordingStdioTransport([], {
    VMM_URL: sim.url,
    VMM_USERNAME: DEMO_USER.account,
    VMM_PASSWORD: DEMO_USER.password,
    NODE_OPTIONS: nodeOptions,
  });
  const client = new Client({ name: 'startup-test', version: '1.0.0' });
  await client.connect(transport);
  cleanup.push(() => client.close());
  return client;
}

const UNDICI = /\/node_modules\/undici\//;
const SIMULATOR = /\/dist\/simulator\//;
const HTTP_TRANSPORT = /\/dist\/transports\/(serve-http|http)\.js$|\/sdk\/dist\/esm\/server\/streamableHttp\.js$/;

describe('stdio server start-up loads only what the first answers need', () => {
  it('answers initialize and tools/list without loading undici, the simulator or the HTTP transport, and loads undici for the first DSM call', async () => {
    const sim = await startSimulator();
    cleanup.push(() => sim.close());
    const recorder = moduleRecorder();
    const client = await stdioServer(sim, recorder.nodeOptions);

    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('list_vms');
    const atStart = recorder.loaded();
    expect(atStart.some((url) => url.endsWith('/dist/server.js'))).toBe(true);
    expect(atStart.filter((url) => UNDICI.test(url) || SIMULATOR.test(url) || HTTP_TRANSPORT.test(url))).toEqual([]);

    const result = await client.callTool({ name: 'list_vms', arguments: {} });
    expect(result.isError).not.toBe(true);
    const afterCall = recorder.loaded();
    expect(afterCall.some((url) => UNDICI.test(url))).toBe(true);
    expect(afterCall.filter((url) => SIMULATOR.test(url) || HTTP_TRANSPORT.test(url))).toEqual([]);
  });
});
