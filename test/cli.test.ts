import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { SETTINGS_TABLE } from '../src/config.js';
import { LunaNodeBackend } from '../src/providers/lunanode/backend.js';
import { LunaNodeClient } from '../src/providers/lunanode/client.js';
import { finished, runCli, spawnCli, StdoutLines } from './cli-harness.js';
import { RecordingStdioTransport } from './e2e-harness.js';

const REAL = { VMM_URL: 'https://nas.local:5001', VMM_USERNAME: 'ops', VMM_PASSWORD: 'a-password-never-printed' };

/** Exit code 2, nothing on stdout, and exactly one line on stderr: `vmm-mcp: ...` naming the setting. */
async function expectUsageError(args: string[], env: Record<string, string>, names: RegExp): Promise<string> {
  const { code, stdout, stderr } = await runCli(args, env);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  const lines = stderr.split('\n').filter((line) => line !== '');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^vmm-mcp: /);
  expect(lines[0]).toMatch(names);
  for (const secret of [REAL.VMM_PASSWORD, env.VMM_OTP_SECRET, env.VMM_HTTP_TOKEN]) if (secret !== undefined) expect(stderr).not.toContain(secret);
  return lines[0] ?? '';
}

describe('bad or missing settings: one line on stderr naming the setting, exit code 2', () => {
  it('without VMM_URL, says what it is and points at the demo', async () => {
    const line = await expectUsageError([], {}, /VMM_URL is required/);
    expect(line).toBe('vmm-mcp: VMM_URL is required (the DSM address, e.g. https://nas.local:5001), or use --simulator for a demo');
  });

  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['a missing password', [], { VMM_URL: REAL.VMM_URL, VMM_USERNAME: 'ops' }, /VMM_PASSWORD or VMM_PASSWORD_FILE is required/],
    ['a bad timeout', [], { ...REAL, VMM_TIMEOUT_MS: 'abc' }, /^vmm-mcp: VMM_TIMEOUT_MS must be a whole number/],
    ['a bad boolean', [], { ...REAL, VMM_READ_ONLY: 'perhaps' }, /^vmm-mcp: VMM_READ_ONLY must be one of 1, 0, true, false, yes, no/],
    ['a bad flag value', ['--destructive', 'sometimes'], REAL, /^vmm-mcp: --destructive must be one of confirm, deny, allow/],
    ['a bad log level', [], { ...REAL, VMM_LOG_LEVEL: 'loud' }, /^vmm-mcp: VMM_LOG_LEVEL must be one of/],
    ['an unknown flag', ['--frobnicate'], REAL, /^vmm-mcp: unknown option --frobnicate; see vmm-mcp --help$/],
    ['a password given as a flag', ['--password', 'hunter22'], REAL, /^vmm-mcp: --password is not a flag/],
    ['a missing password file', [], { VMM_URL: REAL.VMM_URL, VMM_USERNAME: 'ops', VMM_PASSWORD_FILE: '/no/such/file' }, /^vmm-mcp: VMM_PASSWORD_FILE: cannot read \/no\/such\/file \(ENOENT\)$/],
    ['a missing config file', ['--config', '/no/such.json'], {}, /^vmm-mcp: --config: cannot read \/no\/such\.json/],
    ['a simulator port out of range', ['simulator', '--port', '70000'], {}, /^vmm-mcp: --port must be a port number from 0 to 65535 \(got "70000"\)$/],
    ['a TOTP secret that is not base32', [], { ...REAL, VMM_OTP_SECRET: 'NOT BASE32 1890' }, /^vmm-mcp: VMM_OTP_SECRET is not valid base32 .*2-step verification/],
    ['a simulator DSM version it does not know', ['simulator', '--dsm', '5'], {}, /^vmm-mcp: --dsm must be one of 7, 6 \(got "5"\)$/],
    ['a simulator API style it does not know', ['simulator', '--style=fancy'], {}, /^vmm-mcp: --style must be one of official, internal, compact \(got "fancy"\)$/],
    ['a demo simulator DSM version it does not know', ['--simulator', '--sim-dsm', '5'], {}, /^vmm-mcp: --sim-dsm must be one of 7, 6/],
    ['a switch followed by a word that is not yes or no', ['--simulator', '--read-only', 'maybe'], {}, /^vmm-mcp: --read-only is a switch: write --read-only alone, or --read-only true\|false/],
    ['a demo over HTTP with a short token', ['--simulator', '--http', '--port', '0'], { VMM_HTTP_TOKEN: 'tiny-token' }, /^vmm-mcp: The HTTP bearer token \(VMM_HTTP_TOKEN\) is 10 characters long/],
    ['a demo over HTTP on a non-loopback host', ['--simulator', '--http', '--host', '0.0.0.0', '--port', '0'], {}, /^vmm-mcp: Refusing to serve MCP over HTTP on 0\.0\.0\.0.*--allow-remote/],
  ];
  for (const [what, args, env, names] of cases) {
    it(`rejects ${what}`, async () => {
      await expectUsageError(args, env, names);
    });
  }
});

describe('a switch written with a value', () => {
  it('--read-only false keeps the write tools, --read-only yes hides them, on the demo server over stdio', async () => {
    const listed = async (args: string[]): Promise<string[]> => {
      const client = new Client({ name: 'cli-switch-test', version: '1.0.0' });
      await client.connect(new RecordingStdioTransport(['--simulator', ...args], {}));
      try {
        return (await client.listTools()).tools.map((tool) => tool.name);
      } finally {
        await client.close();
      }
    };
    expect(await listed(['--read-only', 'false'])).toContain('create_vm');
    const readOnly = await listed(['--read-only', 'yes']);
    expect(readOnly).toContain('list_vms');
    expect(readOnly).not.toContain('create_vm');
  });
});

describe('a port that turns out to be busy', () => {
  it('is the only line of a demo over HTTP: the simulator says nothing before the transport is up', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      await expectUsageError(['--simulator', '--http', '--port', String(port)], { VMM_HTTP_TOKEN: 'cli-busy-port-token-0123456789' }, new RegExp(`^vmm-mcp: Cannot listen for MCP over HTTP on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('--help and --version', () => {
  it('prints usage on stdout listing every environment variable and flag of the settings schema', async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const row of SETTINGS_TABLE) {
      for (const name of [row.env, row.flag, row.simulatorFlag]) if (name !== undefined) expect(stdout).toContain(name);
    }
    expect(stdout).toContain('vmm-mcp --simulator');
    expect(stdout).toContain('vmm-mcp simulator');
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });
});

describe('vmm-mcp simulator: the simulated DSM alone', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it("prints its URL and demo credentials, answers the guide's working example, and stops cleanly on SIGTERM", async () => {
    child = spawnCli(['simulator', '--port', '0']);
    const exit = finished(child);
    const stdout = new StdoutLines(child);
    const urlLine = await stdout.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(urlLine)?.[1];
    const credentials = await stdout.waitFor(/account: \S+ +password: \S+/);
    const [, account, password] = /account: (\S+) +password: (\S+)/.exec(credentials) ?? [];

    // Step 1 of the guide: log in on auth.cgi version 3 with format=sid.
    const login = await (await fetch(`${url}/webapi/auth.cgi?api=SYNO.API.Auth&method=login&version=3&account=${account}&passwd=${password}&format=sid&session=dsm_info`)).json();
    expect(login).toMatchObject({ success: true, data: { sid: expect.any(String) } });
    const sid = (login as { data: { sid: string } }).data.sid;

    // Step 2: a VMM API call with _sid, here the list and then one VM by name.
    const list = (await (await fetch(`${url}/webapi/entry.cgi?api=SYNO.Virtualization.API.Guest&version=1&method=list&_sid=${sid}`)).json()) as {
      success: boolean;
      data: { guests: Array<{ guest_name: string }> };
    };
    expect(list.success).toBe(true);
    const name = list.data.guests[0]?.guest_name ?? '';
    const get = await (await fetch(`${url}/webapi/entry.cgi?api=SYNO.Virtualization.API.Guest&version=1&method=get&_sid=${sid}&guest_name=${encodeURIComponent(name)}`)).json();
    expect(get).toMatchObject({ success: true, data: { guest_name: name, guest_id: expect.any(String), status: expect.any(String) } });

    // Step 3: log out; the sid is then refused.
    const logout = await (await fetch(`${url}/webapi/auth.cgi?api=SYNO.API.Auth&method=logout&version=3&_sid=${sid}`)).json();
    expect(logout).toMatchObject({ success: true });
    const after = await (await fetch(`${url}/webapi/entry.cgi?api=SYNO.Virtualization.API.Guest&version=1&method=list&_sid=${sid}`)).json();
    expect(after).toMatchObject({ success: false });

    child.kill('SIGTERM');
    const { code } = await exit;
    expect(code).toBe(0);
  });

  it('serves DSM 6 in the compact style when asked', async () => {
    child = spawnCli(['simulator', '--port=0', '--dsm', '6', '--style', 'compact', '--vms', '7']);
    const exit = finished(child);
    const stdout = new StdoutLines(child);
    const line = await stdout.waitFor(/listening on/);
    expect(line).toMatch(/DSM 6 \(compact VMM API\)/);
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
    const info = (await (await fetch(`${url}/webapi/query.cgi?api=SYNO.API.Info&version=1&method=query&query=all`)).json()) as {
      data: Record<string, { path: string }>;
    };
    expect(info.data['SYNO.API.Auth']?.path).toBe('auth.cgi');
    expect(info.data['SYNO.Virtualization.Guest']).toBeDefined();
    expect(info.data['SYNO.Virtualization.API.Guest']).toBeUndefined();
    expect(await stdout.waitFor(/VMs: \d+/)).toMatch(/VMs: 7,/);
    child.kill('SIGINT');
    expect((await exit).code).toBe(0);
  });

  it('runs the LunaNode simulator alone with --provider lunanode, and the printed credentials sign requests it accepts', async () => {
    child = spawnCli(['simulator', '--provider', 'lunanode', '--port', '0']);
    const exit = finished(child);
    const stdout = new StdoutLines(child);
    const line = await stdout.waitFor(/Simulated LunaNode API listening on http:\/\/127\.0\.0\.1:\d+/);
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] as string;
    const apiId = /api_id: (\S+)/.exec(await stdout.waitFor(/api_id: /))?.[1] as string;
    const apiKey = /api_key: (\S+)/.exec(await stdout.waitFor(/api_key: /))?.[1] as string;
    const backend = new LunaNodeBackend(new LunaNodeClient({ url, apiId, apiKey, timeoutMs: 5_000 }));
    expect((await backend.listHosts()).map((host) => host.id)).toEqual(['toronto', 'montreal', 'roubaix']);
    child.kill('SIGTERM');
    expect((await exit).code).toBe(0);
  });
});
