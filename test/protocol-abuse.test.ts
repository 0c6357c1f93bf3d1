import { afterEach, describe, expect, it } from 'vitest';
import { StdioServer } from '../bench/stdio-server.js';
import { CLI_PATH } from './fault-harness.js';

/**
 * The stdio transport faces whatever a client (or a broken pipe) sends. Whatever arrives, the server
 * keeps answering well-formed requests, writes only JSON-RPC to stdout, and ends with exit code 0 when
 * its client goes away, without an unhandled rejection.
 */

const UNEXPECTED = /unhandled|unexpected failure|uncaught|TypeError|ReferenceError|RangeError/i;

let running: StdioServer | undefined;

function demoServer(): StdioServer {
  running = new StdioServer(CLI_PATH, { args: ['--simulator'], env: { PATH: process.env.PATH, VMM_LOG_LEVEL: 'debug' } });
  return running;
}

afterEach(() => {
  running?.child.kill('SIGKILL');
  running = undefined;
});

const GARBAGE_LINES = [
  'not json at all',
  '{',
  '{"jsonrpc":"2.0","id":',
  '[]',
  '[{"jsonrpc":"2.0","id":9001,"method":"tools/list"}]',
  'null',
  '42',
  '"a string"',
  '{}',
  '{"jsonrpc":"2.0"}',
  '{"jsonrpc":"1.0","id":9002,"method":"tools/list"}',
  '{"jsonrpc":"2.0","id":9003,"method":42}',
  '{"jsonrpc":"2.0","id":{"nested":true},"method":"tools/list"}',
  '{"jsonrpc":"2.0","id":null,"method":"tools/list"}',
  '{"jsonrpc":"2.0","id":9004,"method":"tools/call","params":"not an object"}',
  '{"jsonrpc":"2.0","id":9005,"method":"tools/call","params":{"name":123,"arguments":[]}}',
  '{"jsonrpc":"2.0","id":9006,"method":"tools/call","params":{"name":"get_vm","arguments":"web-01"}}',
  '{"jsonrpc":"2.0","id":9007,"method":"no/such/method","params":{}}',
  '{"jsonrpc":"2.0","id":9008,"result":{"unsolicited":true}}',
  '{"jsonrpc":"2.0","id":9009,"error":{"code":-1,"message":"unsolicited"}}',
  '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"never-sent"}}',
  '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":{"x":1},"progress":"lots"}}',
  '\u0000\u0001\u0002\u00ff',
  '{"jsonrpc":"2.0","id":9010,"method":"tools/list","params":{"__proto__":{"polluted":true}}}',
];

describe('malformed JSON-RPC on stdin', () => {
  it('survives garbage lines, wrong types and a 5 MB line, then still answers a well-formed request', async () => {
    const server = demoServer();
    for (const line of GARBAGE_LINES) server.writeRaw(`${line}\n`);
    await server.initialize();
    for (const line of GARBAGE_LINES) server.writeRaw(`${line}\n`);
    server.writeRaw(`${'x'.repeat(5 * 1024 * 1024)}\n`);
    server.writeRaw(`{"jsonrpc":"2.0","id":9100,"method":"tools/call","params":{"name":"get_vm","arguments":{"vm":"${'y'.repeat(5 * 1024 * 1024)}"}}}\n`);

    const tools = await server.request('tools/list');
    expect(tools.error).toBeUndefined();
    expect(Array.isArray(tools.result?.tools)).toBe(true);
    const vm = await server.callTool('get_vm', { vm: 'web-01' });
    expect(vm.result?.isError).not.toBe(true);
    expect(JSON.stringify(vm.result?.structuredContent)).toContain('web-01');

    expect(await server.close()).toBe(0);
    expect(server.strayOutput).toEqual([]);
    expect(server.stderr).not.toMatch(UNEXPECTED);
  });

  it('answers an unknown method with a JSON-RPC error rather than a result', async () => {
    const server = demoServer();
    await server.initialize();
    const answer = await server.request('vmm/not-a-method', {});
    expect(answer.result).toBeUndefined();
    expect(answer.error?.code).toBe(-32601);
    expect(await server.close()).toBe(0);
  });
});

describe('a client that disappears mid-call', () => {
  it('exits with code 0 and no unhandled rejection when both pipes close while wait_task runs', async () => {
    const server = demoServer();
    await server.initialize();
    const created = await server.callTool('create_image', {
      name: 'abandoned-image',
      ds_file_path: '/share/abandoned.img',
      type: 'disk',
      storages: ['nas-01 - VM Storage 1'],
    });
    expect(created.result?.isError, JSON.stringify(created.result)).not.toBe(true);
    const taskId = (created.result?.structuredContent as { task?: { task_id?: string } } | undefined)?.task?.task_id;
    expect(typeof taskId).toBe('string');

    const waiting = new Promise<void>((resolve) => {
      server.onNotification((n) => {
        if (n.method === 'notifications/progress') resolve();
      });
    });
    const call = server.callTool('wait_task', { task_id: taskId, timeout_s: 60 }, 'abandoned');
    call.catch(() => 'the pipe is gone: no answer is expected');
    await waiting;
    server.child.stdout.destroy();
    server.child.stdin.destroy();

    expect(await server.waitForExit()).toBe(0);
    expect(server.stderr).not.toMatch(UNEXPECTED);
  });
});
