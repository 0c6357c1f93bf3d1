import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../../http/serve.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { DSM7_AUTH_CGI } from './apis.js';
import type { ApiDefinition, RecordedRequest, Simulator } from './context.js';
import type { Faults } from './faults.js';
import type { Session } from './sessions.js';
import { DsmFailure, Params, failureBody, successBody } from './wire.js';

/** `/webapi/<x>.cgi`, and DSM 7's `/webapi/entry.cgi/<API name>` (the Go client posts every call there). */
const CGI_PATH = /^\/webapi\/([A-Za-z0-9_.]+\.cgi)(?:\/(SYNO\.[A-Za-z0-9_.]+))?$/;
const KNOWN_CGIS = new Set(['query.cgi', 'auth.cgi', 'entry.cgi', 'encryption.cgi']);
const MAX_BODY_BYTES = 1024 * 1024;
/** The APIs that SYNO.API.Info lists with `requestFormat: JSON`: their string parameters may come JSON-quoted. */
const JSON_FORMAT_PREFIX = 'SYNO.Virtualization.';
const MASKED_PARAMETERS = new Set(['passwd', 'otp_code', 'device_id', 'sid']);

interface Answer {
  body: string;
  cookies: string[];
}

/** Serves the DSM web API: routing, parameters, sessions, faults, the request log. */
export function createRequestListener(sim: Simulator, apis: ReadonlyMap<string, ApiDefinition>, faults: Faults) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    handle(sim, apis, faults, request, response).catch((error: unknown) => {
      sim.options.logger.error('simulator failed to answer a request', { error });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end();
    });
  };
}

async function handle(
  sim: Simulator,
  apis: ReadonlyMap<string, ApiDefinition>,
  faults: Faults,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://simulator');
  const match = CGI_PATH.exec(url.pathname);
  const cgi = match?.[1];
  const pathApi = match?.[2];
  if (cgi === undefined || !KNOWN_CGIS.has(cgi) || (pathApi !== undefined && cgi !== 'entry.cgi')) {
    // DSM's web server answers an unknown web API path with the API layer's own JSON, "no such API".
    await readBody(request, MAX_BODY_BYTES);
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(failureBody(new DsmFailure(102)));
    return;
  }
  const raw: Record<string, string> = {};
  for (const [key, value] of url.searchParams) raw[key] = value;
  const queryKeys = Object.keys(raw);
  const body = await readBody(request, MAX_BODY_BYTES);
  if (body.length > 0 && (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) raw[key] = value;
  }
  if (pathApi !== undefined) raw.api ??= pathApi;
  const api = raw.api ?? '';
  const method = raw.method ?? '';
  const record: RecordedRequest = {
    api, method, params: masked(raw), at: Date.now(), cgi, httpMethod: request.method ?? 'GET', queryKeys,
  };
  sim.stats.requests.push(record);

  if (faults.latencyMs > 0) await sleep(faults.latencyMs);
  const fault = faults.take(api, method);
  if (fault !== undefined) record.fault = fault.kind;
  if (fault !== undefined && fault.after !== true) {
    injectFault(fault.kind, request, response);
    return;
  }
  const answer = dispatch(sim, apis, faults, cgi, new Params(raw, api.startsWith(JSON_FORMAT_PREFIX)), cookieSid(request));
  if (fault !== undefined) {
    injectFault(fault.kind, request, response);
    return;
  }
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json; charset=utf-8' };
  if (answer.cookies.length > 0) headers['set-cookie'] = answer.cookies;
  response.writeHead(200, headers).end(answer.body);
}

function dispatch(
  sim: Simulator,
  apis: ReadonlyMap<string, ApiDefinition>,
  faults: Faults,
  cgi: string,
  params: Params,
  cookieSidValue: string | undefined,
): Answer {
  const cookies: string[] = [];
  try {
    const api = params.string('api');
    const method = params.string('method');
    const versionText = params.string('version');
    // 101: "No parameter of API, method or version."
    if (!api || !method || !versionText) throw new DsmFailure(101);
    const definition = apis.get(api);
    // 102: "The requested API does not exist", also what DSM answers at the wrong cgi path.
    if (definition === undefined) throw new DsmFailure(102);
    const range = versionRange(sim, api, definition, cgi);
    if (range === undefined) throw new DsmFailure(102);
    const version = /^\d+$/.test(versionText) ? Number(versionText) : Number.NaN;
    if (!(version >= range.minVersion && version <= range.maxVersion)) throw new DsmFailure(104);
    const handler = definition.methods[method];
    if (handler === undefined) throw new DsmFailure(103);
    const sid = params.string('_sid') || cookieSidValue;
    const session = definition.needsSession ? requireSession(sim, faults, sid) : undefined;
    const data = handler({ sim, params, session, sid, cgi, version, setCookie: (cookie) => cookies.push(cookie) });
    return { body: successBody(data), cookies };
  } catch (error) {
    if (error instanceof DsmFailure) return { body: failureBody(error), cookies: [] };
    throw error;
  }
}

/** Where an API may be called; `undefined` at the wrong path. */
function versionRange(sim: Simulator, api: string, definition: ApiDefinition, cgi: string): { minVersion: number; maxVersion: number } | undefined {
  if (definition.path === cgi) return definition;
  if (api === 'SYNO.API.Auth' && sim.options.dsmVersion === 7 && cgi === DSM7_AUTH_CGI.path) return DSM7_AUTH_CGI;
  return undefined;
}

function requireSession(sim: Simulator, faults: Faults, sid: string | undefined): Session {
  const lookup = sim.sessions.use(sid, sim.timers.now());
  if (lookup.session === undefined) throw new DsmFailure(lookup.code);
  if (faults.sessionShouldExpire()) {
    sim.sessions.expire(lookup.session);
    throw new DsmFailure(sim.options.expiryCode);
  }
  const user = sim.options.users.find((candidate) => candidate.account === lookup.session.account);
  // 105: "The login session does not have permission." Not an expiry: logging in again does not help.
  if (user?.vmmAccess === false) throw new DsmFailure(105);
  return lookup.session;
}

function injectFault(kind: 'http500' | 'drop', request: IncomingMessage, response: ServerResponse): void {
  if (kind === 'drop') {
    request.socket.destroy();
    return;
  }
  response.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>500 Internal Server Error</body></html>');
}

function cookieSid(request: IncomingMessage): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === 'id') return rest.join('=');
  }
  return undefined;
}

function masked(raw: Record<string, string>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) copy[key] = MASKED_PARAMETERS.has(key) ? '[masked]' : value;
  return copy;
}

