import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { OperationError } from '../src/errors.js';
import { client, GUEST, guestId, onCleanup, requestsTo, simulator } from './dsm-helpers.js';

async function rejection(promise: Promise<unknown>): Promise<OperationError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OperationError);
  return error as OperationError;
}

/** A web server that is not DSM: answers every request with `body`. */
async function notDsm(body: string, contentType: string): Promise<string> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': contentType }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('DSM client: retries', () => {
  it('retries a read after HTTP 500 and succeeds', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    sim.faults.failNext(2, { kind: 'http500', match: { api: GUEST, method: 'list' } });
    const data = await dsm.call<{ guests: unknown[] }>(GUEST, 'list', {}, { kind: 'read' });
    expect(data.guests.length).toBeGreaterThan(0);
    expect(requestsTo(sim, GUEST, 'list')).toHaveLength(4);
    expect(dsm.stats.retries).toBe(2);
  });

  it('retries a read after a dropped connection and succeeds', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    sim.faults.failNext(1, { kind: 'drop', match: { api: GUEST, method: 'get' } });
    const data = await dsm.call<{ guest_name: string }>(GUEST, 'get', { guest_name: 'win10' }, { kind: 'read' });
    expect(data.guest_name).toBe('win10');
    expect(requestsTo(sim, GUEST, 'get')).toHaveLength(2);
  });

  it('gives up on a read after readRetries more attempts with kind transport', async () => {
    const sim = await simulator();
    const dsm = client(sim.url, { readRetries: 1 });
    sim.faults.failNext(5, { kind: 'drop', match: { api: GUEST, method: 'list' } });
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error).toMatchObject({ kind: 'transport', outcomeUnknown: false });
    expect(error.message).toContain(GUEST);
    expect(error.next).toMatch(/VMM_URL/);
    expect(requestsTo(sim, GUEST, 'list')).toHaveLength(2);
  });

  it('never retries a write: a lost answer is outcome unknown', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const id = await guestId(dsm, 'win10');
    sim.faults.failNext(1, { kind: 'drop', match: { api: GUEST, method: 'set' }, after: true });
    const error = await rejection(dsm.call(GUEST, 'set', { guest_id: id, description: 'changed' }, { kind: 'write' }));
    expect(error).toMatchObject({ kind: 'transport', outcomeUnknown: true });
    expect(error.message).toMatch(/may or may not have happened/);
    expect(error.next).toMatch(/current state.*before trying again/);
    expect(requestsTo(sim, GUEST, 'set')).toHaveLength(1);
    expect(sim.state.vms.get(id)?.description).toBe('changed');
  });

  it('never retries a write answered with HTTP 500', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const id = await guestId(dsm, 'win10');
    sim.faults.failNext(1, { kind: 'http500', match: { api: GUEST, method: 'set' } });
    const error = await rejection(dsm.call(GUEST, 'set', { guest_id: id, description: 'changed' }, { kind: 'write' }));
    expect(error).toMatchObject({ kind: 'transport', outcomeUnknown: true });
    expect(requestsTo(sim, GUEST, 'set')).toHaveLength(1);
    expect(dsm.stats.retries).toBe(0);
  });

  it('says a write was not sent when the connection is refused', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const id = await guestId(dsm, 'win10');
    await sim.close();
    // A read first, so that the pooled connection the simulator closed is noticed and dropped.
    await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    const error = await rejection(dsm.call(GUEST, 'set', { guest_id: id, description: 'x' }, { kind: 'write' }));
    expect(error).toMatchObject({ kind: 'transport', outcomeUnknown: false });
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toMatch(/Nothing was sent/);
  });
});

describe('DSM client: timeouts and cancellation', () => {
  it('fails a read that gets no answer within timeoutMs with kind timeout', async () => {
    const sim = await simulator();
    const dsm = client(sim.url, { timeoutMs: 1_000 });
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    sim.faults.latencyMs = 5_000;
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    sim.faults.latencyMs = 0;
    expect(error).toMatchObject({ kind: 'timeout', outcomeUnknown: false });
    expect(error.message).toMatch(/within 1000 ms/);
    expect(error.next).toMatch(/VMM_TIMEOUT_MS/);
  });

  it('marks a timed-out write as outcome unknown', async () => {
    const sim = await simulator();
    const dsm = client(sim.url, { timeoutMs: 1_000 });
    const id = await guestId(dsm, 'win10');
    sim.faults.latencyMs = 5_000;
    const error = await rejection(dsm.call(GUEST, 'set', { guest_id: id, description: 'slow' }, { kind: 'write' }));
    sim.faults.latencyMs = 0;
    expect(error).toMatchObject({ kind: 'timeout', outcomeUnknown: true });
    expect(error.message).toMatch(/may or may not have happened/);
  });

  it('rejects with kind cancelled when the signal aborts mid-request', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    await dsm.call(GUEST, 'list', {}, { kind: 'read' });
    sim.faults.latencyMs = 5_000;
    const controller = new AbortController();
    const pending = dsm.call(GUEST, 'list', {}, { kind: 'read', signal: controller.signal });
    await vi.waitFor(() => expect(requestsTo(sim, GUEST, 'list')).toHaveLength(2));
    controller.abort();
    const error = await rejection(pending);
    sim.faults.latencyMs = 0;
    expect(error.kind).toBe('cancelled');
  });

  it('sends nothing for an already aborted signal', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read', signal: AbortSignal.abort() }));
    expect(error.kind).toBe('cancelled');
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('lets one caller cancel while sharing a login with others, who still succeed', async () => {
    const sim = await simulator();
    const dsm = client(sim.url);
    await dsm.discover();
    sim.faults.latencyMs = 100;
    const controller = new AbortController();
    const cancelledCall = dsm.call(GUEST, 'list', {}, { kind: 'read', signal: controller.signal });
    const otherCall = dsm.call(GUEST, 'list', {}, { kind: 'read' });
    await vi.waitFor(() => expect(requestsTo(sim, 'SYNO.API.Auth', 'login')).toHaveLength(1));
    controller.abort();
    expect((await rejection(cancelledCall)).kind).toBe('cancelled');
    await expect(otherCall).resolves.toHaveProperty('guests');
    expect(sim.stats.logins).toBe(1);
  });
});

describe('DSM client: answers that are not DSM', () => {
  it('reports an HTML page as kind protocol', async () => {
    const url = await notDsm('<html><body>Welcome to nginx</body></html>', 'text/html');
    const dsm = client(url, { readRetries: 0 });
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error.kind).toBe('protocol');
    expect(error.message).toMatch(/not JSON/);
    expect(error.next).toMatch(/VMM_URL/);
  });

  it('reports JSON without a boolean success field as kind protocol', async () => {
    const url = await notDsm('{"success":"yes","data":{}}', 'application/json');
    const dsm = client(url);
    const error = await rejection(dsm.call(GUEST, 'list', {}, { kind: 'read' }));
    expect(error.kind).toBe('protocol');
    expect(error.message).toMatch(/success/);
  });
});
