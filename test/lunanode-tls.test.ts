import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationError } from '../src/errors.js';
import { LunaNodeBackend } from '../src/providers/lunanode/backend.js';
import { LunaNodeClient } from '../src/providers/lunanode/client.js';
import { DEMO_API, type LunaNodeSimulatorHandle, startLunaNodeSimulator } from '../src/providers/lunanode/simulator/index.js';
import type { VmId } from '../src/vmm/model.js';
import { makeTestCertificates, type TestCertificates } from './tls-helpers.js';

/**
 * LunaNode's API is https with a certificate the system's CA store vouches for; a target takes no CA
 * file or pin. Here the simulator serves a self-signed certificate on 127.0.0.1, as a proxy in the way
 * or a wrong url would: the client refuses it before sending anything, reads and writes alike, and
 * does not retry.
 */

let certificates: TestCertificates;
let sim: LunaNodeSimulatorHandle;

beforeAll(async () => {
  certificates = makeTestCertificates();
  sim = await startLunaNodeSimulator({ tls: certificates.local });
});

afterAll(async () => {
  await sim.close();
  certificates.remove();
});

async function tlsFailure(promise: Promise<unknown>): Promise<OperationError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(OperationError);
  expect((error as OperationError).kind).toBe('tls');
  return error as OperationError;
}

describe('LunaNode over https with a certificate no CA vouches for', () => {
  it('refuses the connection for a read and a write, says nothing was sent, and sends nothing', async () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const backend = new LunaNodeBackend(new LunaNodeClient({ url: sim.url, apiId: DEMO_API.apiId, apiKey: DEMO_API.apiKey, timeoutMs: 10_000, region: 'toronto', retryPauseMs: 1 }));
    try {
      for (const attempt of [backend.listVms(), backend.powerOff([...sim.state.vms.keys()][0] as VmId)]) {
        const error = await tlsFailure(attempt);
        expect(error.message).toMatch(new RegExp(`^The TLS connection to LunaNode at ${sim.url.replaceAll('.', '\\.')} failed \\(.+\\)\\. Nothing was sent\\.$`));
        expect(error.next).toBe("check that the target's url is LunaNode's API (https://dynamic.lunanode.com) and that this machine's clock and CA store are current");
      }
      expect(sim.requests).toEqual([]);
    } finally {
      await backend.close();
    }
  });
});
