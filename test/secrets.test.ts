import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatedUser, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { leaks, simulatorSecrets, startServer, startWireTap, type ServerUnderTest, type WireTap } from './fault-harness.js';

/**
 * Secrets never leave the process. The server runs with debug logging, an audit log and MCP log
 * forwarding, through every tool, resource, confirmation, fault, re-login and credential error; a wire
 * tap between server and simulator collects every sid, SynoToken and device id DSM handed out. None of
 * them, nor the password, TOTP secret or device id the server was configured with, may appear in a
 * result, an error, a forwarded log line, stderr or the audit log.
 */

const OPERATOR: SimulatedUser = { account: 'ops', password: 'Tr0ub4dor&3-never-print-me', otpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DP' };
const PLAIN: SimulatedUser = { account: 'plain', password: 'correct horse battery staple 77' };
const CONFIGURED_DEVICE_ID = 'device-token-that-must-stay-hidden';
const STORAGE = 'nas-01 - VM Storage 1';

let simulator: SimulatorHandle;
let tap: WireTap;
let folder: string;
const texts: string[] = [];
const servers: ServerUnderTest[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ users: [OPERATOR, PLAIN], powerSettleMs: 20, taskDurationMs: 50 });
  tap = await startWireTap(simulator.url);
  folder = mkdtempSync(join(tmpdir(), 'vmm-mcp-secrets-'));
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await tap?.close();
  await simulator?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function serverAs(user: SimulatedUser, env: Record<string, string> = {}): Promise<ServerUnderTest> {
  const server = await startServer(simulator, {
    VMM_URL: tap.url,
    VMM_USERNAME: user.account,
    VMM_PASSWORD: user.password,
    VMM_AUDIT_LOG: join(folder, `audit-${servers.length}.jsonl`),
    ...(user.otpSecret === undefined ? {} : { VMM_OTP_SECRET: user.otpSecret }),
    ...env,
  });
  servers.push(server);
  return server;
}

/** Runs a call and keeps whatever came back, result or protocol error. */
async function run(server: ServerUnderTest, tool: string, args: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  try {
    const answer = await server.call(tool, args);
    return answer.structured;
  } catch (error) {
    texts.push(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

/** A destructive call through the confirm-token path: first call, then the same call with its token. */
async function confirmed(server: ServerUnderTest, tool: string, args: Record<string, unknown>): Promise<void> {
  const first = await run(server, tool, args);
  const token = first?.confirm_token;
  if (typeof token === 'string') await run(server, tool, { ...args, confirm_token: token });
}

describe('secrets in everything the server says', () => {
  it('shows no credential while an OTP account works through every tool, resource, confirmation and fault', async () => {
    const server = await serverAs(OPERATOR);
    const listed = await run(server, 'list_vms', {});
    expect(listed?.total, 'the OTP login worked').toBeGreaterThan(0);
    for (const tool of ['list_images', 'list_hosts', 'list_storages', 'list_networks', 'list_tasks']) await run(server, tool, {});
    await run(server, 'get_vm', { vm: 'web-01' });
    await run(server, 'get_vm', { vm: 'no-such-vm' });
    await run(server, 'get_vm', { vm: '' });
    await run(server, 'update_vm', { vm: 'win10', description: 'touched by the secrets test' });
    await run(server, 'update_vm', { vm: 'web-01', vcpus: 8 });
    await run(server, 'power_on', { vm: 'win10', wait: true, timeout_s: 5 });
    await run(server, 'shutdown', { vm: 'win10', wait: true, timeout_s: 5 });
    await confirmed(server, 'power_off', { vm: 'lab-router' });
    await run(server, 'power_off', { vm: 'web-01', confirm_token: 'forged-token-value' });
    await run(server, 'create_vm_from_image', { name: 'secret-scan-vm', image: 'ubuntu-24.04-cloud', storage: STORAGE, network: 'Default VM Network', vcpus: 2, ram_mb: 2048 });
    const image = await run(server, 'create_image', { name: 'secret-scan-image', ds_file_path: '/share/scan.img', type: 'disk', storages: [STORAGE] });
    const taskId = (image?.task as { task_id?: string } | undefined)?.task_id;
    if (taskId !== undefined) {
      await run(server, 'get_task', { task_id: taskId });
      await run(server, 'wait_task', { task_id: taskId, timeout_s: 5 });
    }
    await run(server, 'get_task', { task_id: 'no-such-task' });
    await confirmed(server, 'delete_vm', { vm: 'secret-scan-vm' });
    await confirmed(server, 'delete_image', { image: 'secret-scan-image' });
    expect(simulator.state.vmNamed('lab-router')?.status, 'power_off ran after confirmation').toBe('shutdown');
    expect(simulator.state.vmsNamed('secret-scan-vm'), 'the VM was created, then deleted after confirmation').toHaveLength(0);
    expect(simulator.stats.requests.some((r) => r.method === 'delete' && r.api === 'SYNO.Virtualization.API.Guest')).toBe(true);
    simulator.faults.failNext(1, { kind: 'http500', match: { method: 'list' } });
    simulator.faults.failNext(3, { kind: 'drop', match: { api: 'SYNO.Virtualization.API.Host' } });
    await run(server, 'list_hosts', {});
    simulator.faults.failNext(1, { kind: 'drop', after: true, match: { method: 'poweron' } });
    await run(server, 'power_on', { vm: 'win10' });
    simulator.faults.reset();

    const resources = await server.client.listResources();
    for (const resource of resources.resources) {
      texts.push(JSON.stringify(await server.client.readResource({ uri: resource.uri })));
    }
    texts.push(JSON.stringify(await server.client.listResourceTemplates()));
    texts.push(JSON.stringify(await server.client.listPrompts()));
    expect(resources.resources.length).toBeGreaterThan(0);
    // The tap saw the login and every sid the simulator was sent: the scan below looks for real values.
    expect(tap.secrets()).toContain(OPERATOR.password);
    expect(tap.secrets()).toEqual(expect.arrayContaining(simulatorSecrets(simulator).filter((s) => s !== 'vmm-demo-password')));
  });

  it('shows no credential across forced re-logins', async () => {
    const server = await serverAs(PLAIN);
    await run(server, 'list_vms', {});
    simulator.faults.expireEvery(3);
    for (let i = 0; i < 8; i++) await Promise.all([run(server, 'get_vm', { vm: 'db-01' }), run(server, 'list_hosts', {})]);
    simulator.faults.reset();
    expect(simulator.stats.logins).toBeGreaterThan(2);
  });

  it('shows no credential when the password is wrong or the account needs an OTP it was not given', async () => {
    const wrong = await serverAs({ account: PLAIN.account, password: 'wrong-password-also-secret' }, { VMM_DEVICE_ID: CONFIGURED_DEVICE_ID });
    await run(wrong, 'list_vms', {});
    const noOtp = await serverAs({ account: OPERATOR.account, password: OPERATOR.password });
    await run(noOtp, 'get_vm', { vm: 'web-01' });
    const logged = [...wrong.transcript(), ...noOtp.transcript()].join('\n');
    expect(logged).toMatch(/password|OTP|2-step|sign|log ?in|auth/i);
  });

  it('found none of them in results, errors, forwarded logs, stderr or the audit logs', async () => {
    const secrets = [
      OPERATOR.password,
      OPERATOR.otpSecret as string,
      PLAIN.password,
      'wrong-password-also-secret',
      CONFIGURED_DEVICE_ID,
      ...tap.secrets(),
      ...simulatorSecrets(simulator),
    ];
    const audit = servers.map((_, index) => {
      try {
        return readFileSync(join(folder, `audit-${index}.jsonl`), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
        throw error;
      }
    });
    const everything = [...texts, ...servers.flatMap((server) => [...server.transcript(), server.stderr()]), ...audit];
    expect(audit.join('').length).toBeGreaterThan(0);
    expect(everything.join('').length).toBeGreaterThan(10_000);
    expect(leaks(everything, secrets)).toEqual([]);
  });
});
