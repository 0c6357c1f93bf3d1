import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { StdoutLines, runCli, spawnCli } from './cli-harness.js';
import { RecordingStdioTransport } from './e2e-harness.js';
import { structured } from './mcp-harness.js';

/** The built server: the Wakame-VDC simulator alone, and as a target of the --simulator demo over stdio. */

const stopAfter: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const stop of stopAfter.splice(0)) await stop();
});

describe('vmm-mcp simulator --provider wakame', () => {
  it('serves dcmgr 12.03 on loopback, prints where and as which account, and stops on SIGTERM', async () => {
    const child = spawnCli(['simulator', '--provider', 'wakame', '--port', '0']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    stopAfter.push(async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    });
    const stdout = new StdoutLines(child);
    const line = await stdout.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+\/api\/12\.03/);
    const base = /(http:\/\/127\.0\.0\.1:\d+\/api\/12\.03)/.exec(line)?.[1];
    await stdout.waitFor(/^account: a-vmmdemo1/);
    const response = await fetch(`${base}/instances.json?start=0&limit=2`, { headers: { 'X-VDC-Account-UUID': 'a-vmmdemo1' } });
    const [page] = (await response.json()) as Array<{ total: number; limit: number; results: unknown[] }>;
    expect(page).toMatchObject({ total: 4, limit: 2 });
    expect(page?.results).toHaveLength(2);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('a Wakame-VDC target without an account is refused at start with one line and exit code 2', async () => {
    const result = await runCli([], { VMM_TYPE: 'wakame', VMM_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/VMM_WAKAME_ACCOUNT is required/);
  });
});

describe('vmm-mcp --simulator', () => {
  it('has a wakame target beside the synology one, reachable over stdio', async () => {
    const transport = new RecordingStdioTransport(['--simulator'], {});
    const client = new Client({ name: 'wakame-e2e', version: '0' });
    await client.connect(transport);
    stopAfter.push(() => transport.close());
    const targets = structured<{ targets: Array<{ name: string; reachable: boolean; api_style?: string }> }>(await client.callTool({ name: 'list_targets', arguments: {} }) as CallToolResult);
    expect(targets.targets.find((target) => target.name === 'wakame')).toMatchObject({ reachable: true, api_style: 'wakame-dcmgr-12.03' });
    const vms = structured<{ columns: string[]; vms: unknown[][] }>(await client.callTool({ name: 'list_vms', arguments: { target: 'wakame' } }) as CallToolResult);
    expect(vms.vms.map((row) => row[0])).toContain('web-1');
    expect(transport.strayLines).toEqual([]);
  });
});
