import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../../http/serve.js';
import { DcmgrFailure, SimulatorCrash } from './failure.js';
import type { Faults } from './faults.js';
import { copyImage, deleteImage, listImages, showImage, updateImage } from './images.js';
import { cancelJob, showJob } from './jobs.js';
import { createInstance, deleteInstance, instanceAction, isAction, listInstances, showInstance, updateInstance } from './instances.js';
import { Params } from './params.js';
import type { Requester, WakameState } from './state.js';

export const API_PREFIX = '/api/12.03';
const MAX_BODY_BYTES = 1024 * 1024;

export interface RecordedRequest {
  method: string;
  /** Below /api/12.03, without the query. */
  path: string;
  /** The X-VDC-Account-UUID header as received (absent: the admin view). */
  account: string | undefined;
  params: Record<string, string>;
  at: number;
  fault?: string;
}

export interface WakameSimulatorStats {
  requests: RecordedRequest[];
}

type Route = (state: WakameState, requester: Requester, params: Params) => unknown;

/** Serves dcmgr's 12.03 routes for images, instances and jobs: accounts, parameters, errors, faults, the request log. */
export function createRequestListener(state: WakameState, faults: Faults, stats: WakameSimulatorStats) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    handle(state, faults, stats, request, response).catch((error: unknown) => {
      state.options.logger.error('simulator failed to answer a request', { error });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end();
    });
  };
}

async function handle(state: WakameState, faults: Faults, stats: WakameSimulatorStats, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://simulator');
  const method = request.method ?? 'GET';
  const body = await readBody(request, MAX_BODY_BYTES);
  if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
    notFound(response);
    return;
  }
  // dcmgr answers `/images.json` like `/images`; JSON is also its default format.
  const path = url.pathname.slice(API_PREFIX.length).replace(/\.json$/, '');
  const params = parseParams(url, request, body);
  const header = request.headers['x-vdc-account-uuid'];
  const record: RecordedRequest = {
    method, path, account: Array.isArray(header) ? header[0] : header, params: params.toObject(), at: state.now(),
  };
  stats.requests.push(record);
  const fault = faults.take(method, path);
  if (fault !== undefined) {
    record.fault = fault;
    if (fault === 'drop') request.socket.destroy();
    else response.writeHead(fault === 'http500' ? 500 : 502, { 'content-type': 'text/html' }).end(`<html><body>${fault === 'http500' ? 500 : 502}</body></html>`);
    return;
  }
  const route = findRoute(method, path);
  if (route === undefined) {
    notFound(response);
    return;
  }
  try {
    const requester = state.requester(record.account);
    json(response, method === 'POST' ? 201 : 200, route(state, requester, params));
  } catch (error) {
    if (error instanceof DcmgrFailure) {
      json(response, error.status, error.body());
      return;
    }
    if (error instanceof SimulatorCrash) {
      response.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1>');
      return;
    }
    throw error;
  }
}

function findRoute(method: string, path: string): Route | undefined {
  const parts = path.split('/').slice(1);
  const [collection, rawId, action, ...rest] = parts;
  if (rest.length > 0) return undefined;
  const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
  if (collection === 'images') {
    if (id === undefined) return method === 'GET' ? listImages : undefined;
    if (action === 'copy_to') return method === 'PUT' ? (s, r, p) => copyImage(s, r, id, p) : undefined;
    if (action !== undefined) return undefined;
    if (method === 'GET') return (s, r) => showImage(s, r, id);
    if (method === 'PUT') return (s, r, p) => updateImage(s, r, id, p);
    if (method === 'DELETE') return (s, r) => deleteImage(s, r, id);
    return undefined;
  }
  if (collection === 'jobs') {
    // The job list (GET /jobs) spans every account; the client never asks for it, so it is not simulated.
    if (id === undefined || action !== undefined) return undefined;
    if (method === 'GET') return (s, r) => showJob(s, r, id);
    if (method === 'DELETE') return (s, r) => cancelJob(s, r, id);
    return undefined;
  }
  if (collection === 'instances') {
    if (id === undefined) {
      if (method === 'GET') return listInstances;
      if (method === 'POST') return createInstance;
      return undefined;
    }
    if (action !== undefined) return method === 'PUT' && isAction(action) ? (s, r, p) => instanceAction(s, r, id, action, p) : undefined;
    if (method === 'GET') return (s, r) => showInstance(s, r, id);
    if (method === 'PUT') return (s, r, p) => updateInstance(s, r, id, p);
    if (method === 'DELETE') return (s, r) => deleteInstance(s, r, id);
  }
  return undefined;
}

function parseParams(url: URL, request: IncomingMessage, body: Buffer): Params {
  const values = new Map<string, string>();
  for (const [key, value] of url.searchParams) values.set(key, value);
  const type = request.headers['content-type'] ?? '';
  if (body.length > 0 && type.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) values.set(key, value);
  } else if (body.length > 0 && type.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      for (const [key, value] of Object.entries(parsed)) values.set(key, String(value));
    }
  }
  return new Params(values);
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Sinatra's answer to a route it does not have. */
function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/html;charset=utf-8' }).end('<h1>Not Found</h1>');
}

