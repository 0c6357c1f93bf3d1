import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config.js';
import { OperationError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import type { WakameConnection } from '../src/providers/wakame/provider.js';
import { DEMO_ACCOUNT, type WakameSimulatorHandle } from '../src/providers/wakame/simulator/index.js';
import { buildTargetRuntimes, closeTargetRuntimes } from '../src/runtime.js';
import { createServer, type TargetRuntime } from '../src/server.js';
import { resolveTargets } from '../src/targets.js';
import { errorText, structured } from './mcp-harness.js';
import { recordOutput } from './setup/output-scan.js';
import { makeTestCertificates, WRONG_FINGERPRINT, type TestCertificates } from './tls-helpers.js';
import { rejection, wakameRig, type WakameRig } from './wakame-helpers.js';

/**
 * A Wakame-VDC target behind TLS (a site's proxy in front of dcmgr, here the simulator itself serving
 * a self-signed certificate on 127.0.0.1): pinned by its SHA-256 fingerprint, trusted through a CA, or
 * refused before a single request reaches dcmgr, with the same words as for DSM.
 */

let certificates: TestCertificates;
const rigs: WakameRig[] = [];

beforeAll(() => {
  certificates = makeTestCertificates();
});

afterAll(() => certificates.remove());

afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

async function httpsRig(tls: { fingerprint?: string; ca?: string; insecure?: boolean }, logLines: string[] = []): Promise<WakameRig> {
  const logger = createLogger('debug', (line) => {
    logLines.push(line);
    recordOutput(line);
  });
  const rig = await wakameRig({ tls: certificates.local }, { tls, logger });
  rigs.push(rig);
  return rig;
}

async function tlsRefusal(promise: Promise<unknown>): Promise<OperationError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(OperationError);
  expect(error.kind).toBe('tls');
  return error as OperationError;
}

describe('dcmgr client over https: certificate pinning', () => {
  it('serves the simulator over https on 127.0.0.1 and accepts its certificate when the SHA-256 fingerprint is pinned', async () => {
    const { sim, client } = await httpsRig({ fingerprint: certificates.fingerprint });
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const instances = await client.listInstances();
    expect(instances.map((instance) => instance.display_name)).toContain('web-1');
    expect(sim.stats.requests.length).toBeGreaterThan(0);
  });

  it('accepts the pin as lower-case hex without colons', async () => {
    const { client } = await httpsRig({ fingerprint: certificates.fingerprint.replace(/:/g, '').toLowerCase() });
    await expect(client.listImages()).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ display_name: 'debian-12-app' })]));
  });

  it('refuses a certificate that does not match the pin, naming both fingerprints and the next step, before sending anything', async () => {
    const { sim, client } = await httpsRig({ fingerprint: WRONG_FINGERPRINT });
    const error = await tlsRefusal(client.listInstances());
    expect(error.message).toContain(`dcmgr at ${client.origin} presented a certificate with SHA-256 fingerprint ${certificates.fingerprint}`);
    expect(error.message).toContain(`does not match VMM_TLS_FINGERPRINT (pinned ${WRONG_FINGERPRINT})`);
    expect(error.message).toMatch(/Nothing was sent\.$/);
    expect(error.next).toMatch(/update VMM_TLS_FINGERPRINT; otherwise something is intercepting the connection/);
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('does not retry a read on a pin mismatch', async () => {
    const { sim, client } = await httpsRig({ fingerprint: WRONG_FINGERPRINT });
    await tlsRefusal(client.getInstance('i-abcd1234'));
    expect(client.stats).toEqual({ requests: 1, retries: 0 });
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('says a write refused on a pin mismatch was not sent, so its outcome is known', async () => {
    const { sim, client } = await httpsRig({ fingerprint: WRONG_FINGERPRINT });
    const error = await tlsRefusal(client.powerAction('i-abcd1234', 'stop'));
    expect(error.outcomeUnknown).toBe(false);
    expect(client.stats.requests).toBe(1);
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('refuses an untrusted certificate without a pin, naming its fingerprint and the settings that fix it', async () => {
    const { sim, client } = await httpsRig({});
    const error = await tlsRefusal(client.listInstances());
    expect(error.message).toMatch(/^dcmgr at https:\/\/127\.0\.0\.1:\d+ presented a certificate this machine does not trust/);
    expect(error.next).toContain(`VMM_TLS_FINGERPRINT=${certificates.fingerprint}`);
    expect(error.next).toContain('VMM_CA_FILE');
    expect(client.stats.retries).toBe(0);
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('accepts the certificate given as a CA, and still checks the host name', async () => {
    const trusted = await httpsRig({ ca: certificates.local.cert });
    await expect(trusted.client.listInstances()).resolves.not.toHaveLength(0);
    const otherName = await wakameRig({ tls: certificates.other }, { tls: { ca: certificates.other.cert } });
    rigs.push(otherName);
    const error = await tlsRefusal(otherName.client.listInstances());
    expect(error.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(otherName.sim.stats.requests).toHaveLength(0);
  });

  it('connects without verification only when insecure is set, and warns', async () => {
    const lines: string[] = [];
    const { client } = await httpsRig({ insecure: true }, lines);
    await expect(client.listInstances()).resolves.not.toHaveLength(0);
    expect(lines.join('\n')).toMatch(/warning: TLS verification is OFF \(VMM_INSECURE_TLS\): anyone on the network path can act as the Wakame-VDC account/);
  });
});

describe('Wakame-VDC target with tls_fingerprint, through MCP', () => {
  const folder = mkdtempSync(join(tmpdir(), 'vmm-wakame-tls-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });

  /** A config file with one wakame target on the https simulator, read as the CLI reads it, and an SDK client on the server. */
  async function serverFor(sim: WakameSimulatorHandle, pin: string): Promise<{ call(name: string, args: Record<string, unknown>): Promise<CallToolResult> }> {
    const path = join(folder, `targets-${open.length}-${pin.slice(0, 4)}.json`);
    writeFileSync(path, JSON.stringify({ targets: [{ name: 'vdc', type: 'wakame', url: sim.url, account: DEMO_ACCOUNT, tls_fingerprint: pin }] }));
    const env = { VMM_CONFIG: path };
    const { targets } = resolveTargets(loadSettings({ env, flags: {}, cwd: folder }), env);
    expect((targets[0]?.connection as WakameConnection).tls).toEqual({ fingerprint: pin });
    const logger = createLogger('debug', recordOutput);
    const runtimes: TargetRuntime[] = buildTargetRuntimes(targets, logger);
    const server = createServer({ targets: runtimes, logger });
    const client = new Client({ name: 'vmm-mcp-test', version: '1.0.0' }, { capabilities: {} });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    open.push(async () => {
      await client.close();
      await server.close();
      await closeTargetRuntimes(runtimes, logger);
    });
    return { call: async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult };
  }

  async function httpsSimulator(): Promise<WakameSimulatorHandle> {
    const rig = await wakameRig({ tls: certificates.local });
    rigs.push(rig);
    return rig.sim;
  }

  it('lists the VMs of a target whose certificate matches its pin', async () => {
    const sim = await httpsSimulator();
    const mcp = await serverFor(sim, certificates.fingerprint);
    const page = structured<{ total: number }>(await mcp.call('list_vms', { target: 'vdc' }));
    expect(page.total).toBe(4);
  });

  it('answers isError naming the presented and the pinned fingerprint when the pin is wrong, and sends dcmgr nothing', async () => {
    const sim = await httpsSimulator();
    const mcp = await serverFor(sim, WRONG_FINGERPRINT);
    const text = errorText(await mcp.call('list_vms', { target: 'vdc' }));
    expect(text).toContain(`presented a certificate with SHA-256 fingerprint ${certificates.fingerprint}`);
    expect(text).toContain(`pinned ${WRONG_FINGERPRINT}`);
    expect(text).toMatch(/update VMM_TLS_FINGERPRINT/);
    expect(sim.stats.requests).toHaveLength(0);
  });
});
