import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { RecordingStdioTransport } from './e2e-harness.js';
import { simulatorSecrets } from './fault-harness.js';

/**
 * Issue 13, finding 3: one outgoing filter for secrets. The built server runs over stdio against a DSM
 * that echoes every request it refuses in its error details (the raw query and form body, so the
 * password and session ids arrive percent-encoded, and a JSON copy of the parameters, so they arrive
 * JSON-escaped too), with a VM named after the password. The whole tool, resource, prompt and
 * completion surface runs three times: with the echo on real errors only, with every request refused,
 * and through a re-login that DSM refuses. Every byte the server wrote on stdout and stderr is then
 * searched for each secret in each spelling.
 */

const ACCOUNT = 'scanner';
const PASSWORD = 'p@ss w0rd!&="x\\y';

type Mode = 'echo-errors' | 'refuse-all' | 'refuse-login';

interface EchoDsm {
  url: string;
  mode: Mode;
  close(): Promise<void>;
}

/** Sits in front of the simulator; in the refusing modes it answers DSM errors that quote the request. */
async function startEchoDsm(simulatorUrl: string): Promise<EchoDsm> {
  const state: { mode: Mode; expired: boolean } = { mode: 'echo-errors', expired: false };
  const server: Server = createServer((incoming, outgoing) => {
    void relay(simulatorUrl, incoming, outgoing, state);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: Mode) {
      state.mode = mode;
      state.expired = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function relay(target: string, incoming: IncomingMessage, outgoing: ServerResponse, state: { mode: Mode; expired: boolean }): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const url = new URL(incoming.url ?? '/', target);
  const params = new URLSearchParams(body);
  for (const [key, value] of url.searchParams) params.append(key, value);
  const api = params.get('api') ?? '';
  const isAuth = api === 'SYNO.API.Auth' || api === 'SYNO.API.Info';
  const echo = [
    `request ${incoming.method} ${incoming.url} body ${body} token ${String(incoming.headers['x-syno-token'] ?? '')}`,
    `parameters ${JSON.stringify(Object.fromEntries(params))}`,
  ];
  const refuse = (code: number): void => {
    outgoing.writeHead(200, { 'content-type': 'application/json' });
    outgoing.end(JSON.stringify({ success: false, error: { code, errors: echo } }));
  };
  if (state.mode === 'refuse-all' && !isAuth) return refuse(105);
  if (state.mode === 'refuse-login') {
    // First an expired session, so that the server logs in again; then that login is refused.
    if (!isAuth && !state.expired) {
      state.expired = true;
      return refuse(119);
    }
    if (api === 'SYNO.API.Auth' && params.get('method') === 'login') return refuse(400);
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(incoming.headers)) {
    if (typeof value === 'string' && key !== 'host' && key !== 'connection' && key !== 'content-length') headers[key] = value;
  }
  const answer = await fetch(url, { method: incoming.method ?? 'GET', headers, ...(body.length > 0 ? { body } : {}) });
  const text = await answer.text();
  const type = answer.headers.get('content-type') ?? 'text/plain';
  if (type.startsWith('application/json')) {
    const parsed = JSON.parse(text) as { success?: boolean; error?: Record<string, unknown> };
    if (parsed.success === false && parsed.error !== undefined) {
      outgoing.writeHead(answer.status, { 'content-type': type });
      outgoing.end(JSON.stringify({ ...parsed, error: { ...parsed.error, errors: echo } }));
      return;
    }
  }
  outgoing.writeHead(answer.status, { 'content-type': type });
  outgoing.end(text);
}

/** Each way a secret may be spelled on its way out, worked out here independently of the redactor. */
function spellings(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  const strict = uri.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  const json = JSON.stringify(secret).slice(1, -1);
  const lower = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
  return [...new Set([secret, uri, strict, form, json, lower(uri), lower(strict), lower(form), JSON.stringify(json).slice(1, -1)])];
}

/** Arguments for a tool, made from its input schema: the password wherever a name goes. */
function argumentsFor(tool: Tool): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
    const type = (schema as { type?: unknown }).type;
    if (key === 'target' || key === 'confirm_token') continue;
    if (type === 'string') args[key] = PASSWORD;
    else if (type === 'integer' || type === 'number') args[key] = 1;
    else if (type === 'boolean') args[key] = false;
  }
  return args;
}

const STORAGE = 'nas-01 - VM Storage 1';
const NETWORK = 'Default VM Network';

/** Calls that get past argument checks and reach DSM, beside the schema-made ones. */
const REAL_CALLS: Array<[string, Record<string, unknown>]> = [
  ['list_vms', {}],
  ['list_vms', { name: 'p@*' }],
  ['get_vm', { vm: PASSWORD }],
  ['get_vm', { vm: '11111111-2222-3333-4444-555555555555' }],
  ['update_vm', { vm: PASSWORD, description: `set by ${PASSWORD}` }],
  ['update_vm', { vm: 'web-01', vcpus: 8 }],
  ['power_on', { vm: PASSWORD, wait: true, timeout_s: 5 }],
  ['shutdown', { vm: PASSWORD, wait: true, timeout_s: 5 }],
  ['power_off', { vm: PASSWORD }],
  ['delete_vm', { vm: PASSWORD }],
  ['create_vm_from_image', { name: `${PASSWORD}-2`, image: 'ubuntu-24.04-cloud', storage: STORAGE, network: NETWORK, vcpus: 1, ram_mb: 1024 }],
  ['create_image', { name: PASSWORD, ds_file_path: '/share/scan.img', type: 'disk', storages: [STORAGE] }],
  ['delete_image', { image: 'debian-12-cloud' }],
  ['list_tasks', {}],
  ['get_task', { task_id: 'no-such-task' }],
];

let simulator: SimulatorHandle;
let dsm: EchoDsm;
let transport: RecordingStdioTransport;
let client: Client;
const elicitations: string[] = [];

beforeAll(async () => {
  simulator = await startSimulator({ users: [{ account: ACCOUNT, password: PASSWORD }], powerSettleMs: 20, taskDurationMs: 40 });
  const win10 = simulator.state.vmNamed('win10');
  if (win10 === undefined) throw new Error('the demo inventory has win10');
  simulator.state.renameVm(win10, PASSWORD);
  dsm = await startEchoDsm(simulator.url);
  transport = new RecordingStdioTransport([], {
    VMM_URL: dsm.url,
    VMM_USERNAME: ACCOUNT,
    VMM_PASSWORD: PASSWORD,
    VMM_LOG_LEVEL: 'debug',
    VMM_TIMEOUT_MS: '5000',
  });
  client = new Client({ name: 'surface-scan', version: '0' }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    elicitations.push(JSON.stringify(request.params));
    return { action: 'decline' };
  });
  await client.connect(transport);
  await client.setLoggingLevel('debug');
});

afterAll(async () => {
  await client?.close();
  await dsm?.close();
  await simulator?.close();
});

/** Runs every tool, resource, prompt and completion the server offers; failures are part of what is scanned. */
async function runSurface(): Promise<number> {
  let answers = 0;
  const attempt = async (call: () => Promise<unknown>): Promise<void> => {
    answers += 1;
    await call().catch((error: unknown) => expect(error).toBeInstanceOf(Error));
  };
  const { tools } = await client.listTools();
  for (const [name, args] of REAL_CALLS) await attempt(() => client.callTool({ name, arguments: args }));
  for (const tool of tools) await attempt(() => client.callTool({ name: tool.name, arguments: argumentsFor(tool) }));
  await attempt(async () => {
    const { resources } = await client.listResources();
    for (const resource of resources) await attempt(() => client.readResource({ uri: resource.uri }));
  });
  await attempt(() => client.readResource({ uri: `vmm://vms/${encodeURIComponent(PASSWORD)}` }));
  await attempt(() => client.readResource({ uri: 'vmm://vms/no-such-vm' }));
  const { resourceTemplates } = await client.listResourceTemplates();
  for (const template of resourceTemplates) {
    for (const value of ['', 'p@', '*'.repeat(30)]) {
      await attempt(() => client.complete({ ref: { type: 'ref/resource', uri: template.uriTemplate }, argument: { name: 'vm', value } }));
    }
  }
  const { prompts } = await client.listPrompts();
  for (const prompt of prompts) {
    const args = Object.fromEntries((prompt.arguments ?? []).map((argument) => [argument.name, PASSWORD]));
    await attempt(() => client.getPrompt({ name: prompt.name, arguments: args }));
    for (const argument of prompt.arguments ?? []) {
      await attempt(() => client.complete({ ref: { type: 'ref/prompt', name: prompt.name }, argument: { name: argument.name, value: 'p' } }));
    }
  }
  return answers;
}

describe('one outgoing filter: no secret in any channel, in any spelling', () => {
  it('runs the whole surface with echoed real errors, with every request refused, and through a refused re-login', async () => {
    expect(await runSurface()).toBeGreaterThan(30);
    dsm.mode = 'refuse-all';
    expect(await runSurface()).toBeGreaterThan(30);
    dsm.mode = 'refuse-login';
    const refused = await client.callTool({ name: 'list_vms', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toMatch(/login/i);
    expect(await runSurface()).toBeGreaterThan(30);
  });

  it('found the secrets where they were meant to be masked: the echo reached the server and the VM listing', () => {
    const stdout = transport.stdoutLines.join('\n');
    expect(stdout, 'DSM echoed requests into errors the server passed on').toContain('request POST');
    expect(stdout, 'the VM named after the password was listed, masked').toContain('[redacted]');
    expect(elicitations.length, 'the confirmation form was sent for the VM named after the password').toBeGreaterThan(0);
    expect(transport.strayLines).toEqual([]);
  });

  it('wrote none of them on stdout or stderr, in any spelling', () => {
    const secrets = [...new Set([PASSWORD, ...simulatorSecrets(simulator)])].filter((secret) => secret !== 'vmm-demo-password');
    expect(secrets.length, 'session ids were issued and seen').toBeGreaterThan(1);
    const everything = [...transport.stdoutLines, transport.stderr];
    const found: string[] = [];
    for (const secret of secrets) {
      for (const spelling of spellings(secret)) {
        for (const text of everything) {
          const at = text.indexOf(spelling);
          if (at >= 0) found.push(`${spelling.slice(0, 4)}... in ${text.slice(Math.max(0, at - 80), at)}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
