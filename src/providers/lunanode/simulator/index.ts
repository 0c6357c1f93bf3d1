import type { IncomingMessage, ServerResponse } from 'node:http';
import { serve } from '../../../http/serve.js';
import type { Logger } from '../../../log.js';
import { endpointOf, partialKeyOf, signRequest } from '../signature.js';
import { actions, type Fields, Refused } from './actions.js';
import { type Durations, LunaNodeState } from './state.js';

/**
 * A stateful fake LunaNode over real HTTP: `POST /api/{category}/{action}/` with the form fields req,
 * signature and nonce. It checks the signature over the raw `req` text it received (clients serialise
 * JSON differently), the api_id and partial key, and that the nonce is near its clock; every answer is
 * HTTP 200 with `success` "yes" or "no" and LunaNode's error text.
 */

/** Public demo credentials (printed by `vmm-mcp simulator --provider lunanode`); not secrets of any real account. */
export const DEMO_API = {
  apiId: 'simdemoapiid0001',
  apiKey: 'SimulatedLunaNodeKey-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-demo-only-not-a-real-key-0000000000000000000',
} as const;

/**
 * LunaNode tells no bad credential from another: an unknown api_id, a wrong partial key, a bad signature
 * and a stale nonce all get this one text, as the live API answered the test suite of nomoon/lunanode
 * (spec/lunanode/api_spec.rb).
 */
export const AUTHENTICATION_FAILURE = 'authentication failure; common reasons: bad nonce (computer time off), source IP mismatch, invalid API id/key';

/** How far a nonce may be from the simulator's clock. */
const NONCE_WINDOW_S = 300;

export interface LunaNodeSimulatorOptions {
  host?: string;
  port?: number;
  durations?: Partial<Durations>;
  /** The clock of status changes and nonce checks (tests move it). */
  now?: () => number;
  logger?: Logger;
  /** Serve https with this certificate, as LunaNode's API is served; without it, plain http. */
  tls?: { key: string; cert: string };
}

export interface LunaNodeRequestRecord {
  endpoint: string;
  outcome: 'yes' | 'no' | 'http_error';
}

export interface LunaNodeSimulatorHandle {
  url: string;
  state: LunaNodeState;
  requests: LunaNodeRequestRecord[];
  /** The next `count` requests (reads or writes) answer HTTP `status` without being handled. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

export async function startLunaNodeSimulator(options: LunaNodeSimulatorOptions = {}): Promise<LunaNodeSimulatorHandle> {
  const now = options.now ?? Date.now;
  const state = new LunaNodeState({ buildMs: 3000, powerMs: 1500, imageMs: 2000, ...options.durations }, now);
  const requests: LunaNodeRequestRecord[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      options.logger?.error(`LunaNode simulator failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const match = /^\/api\/([a-z]+)\/([a-z]+)\/?$/.exec(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const endpoint = match === null ? (request.url ?? '/') : endpointOf(match[1] as string, match[2] as string);
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      requests.push({ endpoint, outcome: 'http_error' });
      response.writeHead(failures.status, { 'content-type': 'text/html' }).end('<h1>Service Unavailable</h1>');
      return;
    }
    const answer = request.method !== 'POST' || match === null ? refusal('invalid API endpoint') : answerFor(endpoint, body);
    requests.push({ endpoint, outcome: answer.success === 'yes' ? 'yes' : 'no' });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  function answerFor(endpoint: string, body: string): Record<string, unknown> {
    const form = new URLSearchParams(body);
    const req = form.get('req');
    const signature = form.get('signature');
    const nonce = form.get('nonce');
    if (req === null || signature === null || nonce === null) return refusal('req, signature and nonce are required');
    let fields: Fields;
    try {
      fields = parseReq(req);
    } catch {
      return refusal('req must be a JSON object of strings');
    }
    const authentic =
      fields.api_id === DEMO_API.apiId &&
      fields.api_partialkey === partialKeyOf(DEMO_API.apiKey) &&
      /^\d+$/.test(nonce) &&
      Math.abs(Number(nonce) - now() / 1000) <= NONCE_WINDOW_S &&
      signature === signRequest(DEMO_API.apiKey, endpoint, req, nonce);
    if (!authentic) return refusal(AUTHENTICATION_FAILURE);
    const action = actions[endpoint];
    if (action === undefined) return refusal('invalid API endpoint');
    try {
      return { ...action(state, fields), success: 'yes' };
    } catch (error) {
      if (error instanceof Refused) return refusal(error.message);
      throw error;
    }
  }

  const served = await serve(listener, { host: options.host ?? '127.0.0.1', port: options.port ?? 0, tls: options.tls });
  return {
    url: served.url,
    state,
    requests,
    failNext(count, status = 503) {
      failures = { count, status };
    },
    close: () => served.close(),
  };
}

/** The lines the standalone simulator prints: where it listens and the (public) demo credentials. */
export function describeLunaNodeSimulator(handle: LunaNodeSimulatorHandle): string[] {
  return [
    `Simulated LunaNode API listening on ${handle.url} (regions toronto, montreal, roubaix)`,
    `VMs: ${handle.state.vms.size}, images: ${handle.state.images.size}`,
    `api_id: ${DEMO_API.apiId}`,
    `api_key: ${DEMO_API.apiKey}`,
    `try: VMM_TYPE=lunanode VMM_URL=${handle.url} VMM_API_ID=${DEMO_API.apiId} VMM_API_KEY=<the key above> vmm-mcp`,
  ];
}

function refusal(error: string): Record<string, unknown> {
  return { success: 'no', error };
}

/** LunaNode's `req`: a JSON object whose values are all strings. */
function parseReq(req: string): Fields {
  const parsed: unknown = JSON.parse(req);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
  const fields: Fields = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new Error(`${key} is not a string`);
    fields[key] = value;
  }
  return fields;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
