import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationError } from '../src/errors.js';
import { capturingLogger, client, GUEST, simulator } from './dsm-helpers.js';
import { makeTestCertificates, WRONG_FINGERPRINT, type TestCertificates } from './tls-helpers.js';

let certificates: TestCertificates;
let key: string;
let cert: string;
let fingerprint: string;
/** Signed for another name only: trusted as a CA, but not for 127.0.0.1. */
let otherKey: string;
let otherCert: string;

beforeAll(() => {
  certificates = makeTestCertificates();
  ({ key, cert } = certificates.local);
  ({ key: otherKey, cert: otherCert } = certificates.other);
  fingerprint = certificates.fingerprint;
});

afterAll(() => certificates.remove());

async function rejection(promise: Promise<unknown>): Promise<OperationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OperationError);
  return error as OperationError;
}

describe('DSM client: TLS', () => {
  it('accepts the self-signed certificate when its SHA-256 fingerprint is pinned', async () => {
    const sim = await simulator({ tls: { key, cert } });
    expect(sim.url).toMatch(/^https:/);
    const dsm = client(sim.url, { tls: { fingerprint } });
    await expect(dsm.call(GUEST, 'list', {}, { kind: 'read' })).resolves.toHaveProperty('guests');
  });

  it('accepts the pin as lower-case hex without colons', async () => {
    const sim = await simulator({ tls: { key, cert } });
    const dsm = client(sim.url, { tls: { fingerprint: fingerprint.replace(/:/g, '').toLowerCase() } });
    await expect(dsm.call(GUEST, 'list', {}, { kind: 'read' })).resolves.toHaveProperty('guests');
  });

  it('refuses a certificate that does not match the pin before sending anything', async () => {
    const sim = await simulator({ tls: { key, cert } });
    const dsm = client(sim.url, { tls: { fingerprint: WRONG_FINGERPRINT } });
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error.kind).toBe('tls');
    expect(error.message).toContain(fingerprint);
    expect(error.message).toMatch(/does not match VMM_TLS_FINGERPRINT/);
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('refuses an untrusted certificate without a pin, naming the fingerprint and the settings that fix it', async () => {
    const sim = await simulator({ tls: { key, cert } });
    const dsm = client(sim.url);
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error.kind).toBe('tls');
    expect(error.message).toMatch(/does not trust/);
    expect(error.next).toContain(`VMM_TLS_FINGERPRINT=${fingerprint}`);
    expect(error.next).toContain('VMM_CA_FILE');
    expect(error.next).toContain('VMM_INSECURE_TLS');
    expect(sim.stats.requests).toHaveLength(0);
    expect(dsm.stats.retries).toBe(0);
  });

  it('accepts the certificate when it is given as a CA', async () => {
    const sim = await simulator({ tls: { key, cert } });
    const dsm = client(sim.url, { tls: { ca: cert } });
    await expect(dsm.call(GUEST, 'list', {}, { kind: 'read' })).resolves.toHaveProperty('guests');
  });

  it('checks the host name even when the certificate chains to a trusted CA', async () => {
    const sim = await simulator({ tls: { key: otherKey, cert: otherCert } });
    const dsm = client(sim.url, { tls: { ca: otherCert } });
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error.kind).toBe('tls');
    expect(error.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('connects without verification only when insecure is set, and warns', async () => {
    const sim = await simulator({ tls: { key, cert } });
    const { logger, lines } = capturingLogger();
    const dsm = client(sim.url, { tls: { insecure: true }, logger });
    await expect(dsm.call(GUEST, 'list', {}, { kind: 'read' })).resolves.toHaveProperty('guests');
    expect(lines.join('')).toMatch(/warning: TLS verification is OFF/);
  });
});
