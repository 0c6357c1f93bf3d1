import { afterEach, describe, expect, it } from 'vitest';
import { WireFailure } from '../src/http/failure.js';
import { HttpPool, type HttpRequest } from '../src/http/pool.js';
import { DEMO_ACCOUNT, startWakameSimulator, type WakameSimulatorHandle } from '../src/providers/wakame/simulator/index.js';

/**
 * The pool every provider's client sends through, against a simulator on 127.0.0.1: one pool shared by
 * early requests, and the failures that say for certain that nothing reached the server.
 */

const LIST: HttpRequest = { method: 'GET', path: '/api/12.03/instances?start=0&limit=10', headers: { 'x-vdc-account-uuid': DEMO_ACCOUNT } };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(): Promise<WakameSimulatorHandle> {
  const sim = await startWakameSimulator();
  cleanups.push(() => sim.close());
  return sim;
}

function pool(url: string): HttpPool {
  const made = new HttpPool({ origin: new URL(url).origin, server: 'the simulator', timeoutMs: 10_000 });
  cleanups.push(() => made.close());
  return made;
}

describe('HTTP pool', () => {
  it('answers the status and body text of a request', async () => {
    const sim = await simulator();
    const answer = await pool(sim.url).send(LIST, undefined);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual([expect.objectContaining({ total: 4 })]);
  });

  it('shares one pool between requests sent before the first one connected', async () => {
    const sim = await simulator();
    const http = pool(sim.url);
    const answers = await Promise.all([http.send(LIST, undefined), http.send(LIST, undefined)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    await http.close();
    expect(sim.stats.requests).toHaveLength(2);
  });

  it('closes without ever connecting when nothing was sent, and refuses to send afterwards as not delivered', async () => {
    const sim = await simulator();
    const http = pool(sim.url);
    await http.close();
    const refused = http.send(LIST, undefined);
    await expect(refused).rejects.toBeInstanceOf(WireFailure);
    await expect(refused).rejects.toMatchObject({ reason: 'network', maybeDelivered: false, message: 'the connection pool to the simulator is closed' });
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('sends nothing for an already aborted signal', async () => {
    const sim = await simulator();
    const cancelled = pool(sim.url).send(LIST, AbortSignal.abort());
    await expect(cancelled).rejects.toBeInstanceOf(WireFailure);
    await expect(cancelled).rejects.toMatchObject({ reason: 'cancelled', maybeDelivered: false });
    expect(sim.stats.requests).toHaveLength(0);
  });

  it('says a refused connection certainly did not deliver the request', async () => {
    const sim = await simulator();
    const url = sim.url;
    await sim.close();
    const refused = pool(url).send(LIST, undefined);
    await expect(refused).rejects.toBeInstanceOf(WireFailure);
    await expect(refused).rejects.toMatchObject({ reason: 'network', maybeDelivered: false, message: expect.stringMatching(/ECONNREFUSED/) });
  });
});
