import childProcess, { type ChildProcess } from 'node:child_process';
import { IncomingMessage, ServerResponse } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { afterAll, expect } from 'vitest';
import { DEMO_API } from '../../src/providers/lunanode/simulator/index.js';
import { DEMO_USER } from '../../src/providers/synology/simulator/index.js';
import { leaks } from '../fault-harness.js';

/*
 * Every test file, whatever it tests, ends with a scan of everything the product said during it for
 * the credentials that were in play (test/secrets.test.ts drives the server through every path on
 * purpose; this catches the paths nobody thought of). The product's output is:
 * - every JSON-RPC message an SDK client received (in memory, over stdio, over HTTP),
 * - every write to this process's stderr (in-process servers, the DSM client, the simulator),
 * - stdout and stderr of every child process (built servers and the CLI).
 * The credentials are whatever crossed an HTTP server in this process (the simulators, the wire taps):
 * passwords, OTP codes and device ids sent to log in, and the sids, SynoTokens and device tokens DSM
 * answered with; LunaNode's signatures and partial keys (and the simulator's demo key); and the
 * credentials handed to child processes in their environment.
 *
 * Two outputs print a credential by design and are left out: `vmm-mcp simulator` prints the demo
 * account's password on stdout for the person who started it, and `--http` prints the bearer token it
 * generated on stderr (which is why the token of an HTTP request is not collected).
 */

const outputs: string[] = [];
const secrets = new Set<string>([DEMO_USER.password, DEMO_API.apiKey, DEMO_API.apiKey.slice(0, 64)]);

/** Shorter values (flags, short test codes like "123456") would match by chance. */
function addSecret(value: string | null | undefined): void {
  if (value !== null && value !== undefined && value.length >= 8) secrets.add(value);
}

const SECRET_PARAMS = ['passwd', 'otp_code', 'device_id', '_sid', 'sid', 'SynoToken', 'signature'];
const SECRET_ENV = ['VMM_PASSWORD', 'VMM_OTP_SECRET', 'VMM_DEVICE_ID', 'VMM_HTTP_TOKEN', 'VMM_API_KEY'];
const SECRET_ANSWER_KEYS = ['sid', 'synotoken', 'did', 'device_id', 'token'];

function recordClientMessages(): void {
  const connect = Protocol.prototype.connect;
  Protocol.prototype.connect = async function (this: Protocol<never, never, never>, transport) {
    await connect.call(this, transport);
    if (!(this instanceof Client)) return;
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      outputs.push(JSON.stringify(message));
      deliver?.(message, extra);
    };
  };
}

function recordStderr(): void {
  const write = process.stderr.write.bind(process.stderr) as (...args: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    outputs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
}

/** Reads a child's output as it arrives (the stream's own readers are untouched). */
function tap(stream: ChildProcess['stdout']): void {
  if (stream === null) return;
  const push = stream.push.bind(stream);
  stream.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk !== null) outputs.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    return push(chunk, encoding);
  };
}

function recordChildren(): void {
  const spawn = childProcess.spawn;
  childProcess.spawn = ((...args: Parameters<typeof spawn>) => {
    const child = spawn(...args);
    const argv = args.find(Array.isArray) as readonly string[] | undefined;
    const options = args.find((arg) => typeof arg === 'object' && arg !== null && !Array.isArray(arg)) as { env?: NodeJS.ProcessEnv } | undefined;
    for (const name of SECRET_ENV) addSecret(options?.env?.[name]);
    if (!(argv ?? []).includes('simulator')) tap(child.stdout);
    tap(child.stderr);
    return child;
  }) as typeof spawn;
  // Test files import `spawn` by name; this rebinds those imports to the wrapper.
  syncBuiltinESMExports();
}

/** What a client sent to an in-process HTTP server and, for a login, what DSM answered: the secret list. */
function collectHttpCredentials(): void {
  const bodies = new WeakMap<IncomingMessage, Buffer[]>();
  const push = IncomingMessage.prototype.push;
  IncomingMessage.prototype.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding) {
    // Requests a server received have a method; answers an HTTP client received do not.
    if (this.method && Buffer.isBuffer(chunk)) {
      const chunks = bodies.get(this);
      if (chunks === undefined) bodies.set(this, [chunk]);
      else chunks.push(chunk);
    }
    return push.call(this, chunk, encoding);
  };
  const end = ServerResponse.prototype.end;
  ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
    const request = this.req as IncomingMessage | undefined;
    if (request !== undefined) {
      const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
      const form = new URLSearchParams(Buffer.concat(bodies.get(request) ?? []).toString('utf8'));
      for (const key of SECRET_PARAMS) for (const params of [query, form]) addSecret(params.get(key));
      collectLunaNodeKey(form.get('req'));
      addSecret(request.headers['x-syno-token'] as string | undefined);
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      // DSM 7 also takes the API name as a path segment: /webapi/entry.cgi/SYNO.API.Auth.
      const isLogin = (query.get('api') ?? form.get('api') ?? url.pathname.split('/').at(-1)) === 'SYNO.API.Auth';
      if (isLogin && (typeof args[0] === 'string' || Buffer.isBuffer(args[0]))) collectLoginSecrets(String(args[0]));
    }
    return end.apply(this, args as Parameters<typeof end>);
  } as typeof end;
}

/** The partial key inside a LunaNode request's `req` JSON. */
function collectLunaNodeKey(req: string | null): void {
  if (req === null) return;
  try {
    const fields = JSON.parse(req) as { api_partialkey?: unknown };
    if (typeof fields.api_partialkey === 'string') addSecret(fields.api_partialkey);
  } catch {
    // Not LunaNode's req (or a deliberately broken one): nothing to collect.
  }
}

/** A login's sid, SynoToken and device token, or the token of a 2-step refusal. */
function collectLoginSecrets(body: string): void {
  let answer: { data?: unknown; error?: { errors?: unknown } };
  try {
    answer = JSON.parse(body) as typeof answer;
  } catch {
    return;
  }
  for (const part of [answer.data, answer.error?.errors]) {
    if (typeof part !== 'object' || part === null) continue;
    for (const key of SECRET_ANSWER_KEYS) {
      const value = (part as Record<string, unknown>)[key];
      if (typeof value === 'string') addSecret(value);
    }
  }
}

/**
 * For output a harness keeps instead of printing: the server log lines and audit entries of an
 * in-memory server.
 */
export function recordOutput(text: string): void {
  outputs.push(text);
}

/** What the scan has seen so far in this file, for the test of the scan itself. */
export function scanned(): { readonly outputs: readonly string[]; readonly secrets: ReadonlySet<string> } {
  return { outputs, secrets };
}

recordClientMessages();
recordStderr();
recordChildren();
collectHttpCredentials();

afterAll(() => {
  expect(leaks(outputs, [...secrets]), 'credentials in what the product said during this file').toEqual([]);
});
