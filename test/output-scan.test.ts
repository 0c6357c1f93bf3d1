import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/providers/synology/simulator/index.js';
import { leaks } from './fault-harness.js';
import { startHarness } from './mcp-harness.js';
import { scanned, withStderrMuted } from './setup/output-scan.js';

/*
 * The scan that ends every test file (test/setup/output-scan.ts) is only worth something if it sees the
 * product's output and knows the credentials in play. This file checks both, without leaking anything
 * itself: the scan still runs after it.
 */

describe('the suite-wide output scan', () => {
  it('learns the sid and SynoToken a simulator hands out, and the password sent to it', async () => {
    const user = { account: 'scan', password: 'scan-password-77' };
    const sim = await startSimulator({ users: [user] });
    try {
      const body = new URLSearchParams({ api: 'SYNO.API.Auth', version: '7', method: 'login', account: user.account, passwd: user.password, format: 'sid', enable_syno_token: 'yes' });
      const login = (await (await fetch(`${sim.url}/webapi/entry.cgi`, { method: 'POST', body })).json()) as { data: { sid: string; synotoken: string } };
      expect(scanned().secrets).toContain(login.data.sid);
      expect(scanned().secrets).toContain(login.data.synotoken);
      expect(scanned().secrets).toContain(user.password);
    } finally {
      await sim.close();
    }
  });

  it('reads what child processes print and learns the credentials in their environment', async () => {
    const child = spawn(process.execPath, ['-e', 'process.stderr.write("child says hello")'], { env: { VMM_PASSWORD: 'a-child-password-42' } });
    await once(child, 'exit');
    expect(scanned().outputs.join('')).toContain('child says hello');
    expect(scanned().secrets).toContain('a-child-password-42');
  });

  it('reads what an MCP client receives and what this process writes to stderr', async () => {
    const harness = await startHarness();
    try {
      await harness.call('list_vms', {});
      expect(scanned().outputs.some((text) => text.includes('"result"') && text.includes('web-01'))).toBe(true);
      expect(scanned().outputs.some((text) => text.includes('vmm-mcp debug:')), 'the in-memory server log lines').toBe(true);
    } finally {
      await harness.close();
    }
    withStderrMuted(() => process.stderr.write('a line on stderr\n'));
    expect(scanned().outputs).toContain('a line on stderr\n');
  });

  it('reports a credential found in any output, with its place and without the credential', () => {
    const found = leaks(['nothing here', `the sid is ${'s'.repeat(20)} ok`], ['s'.repeat(20)]);
    expect(found).toEqual(['the sid is <secret sss...> ok']);
  });
});
