import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../src/log.js';
import { AuditLog, type AuditCallInfo } from '../src/safety/audit.js';
import { forgetSecret, registerSecret } from '../src/safety/redact.js';

const TIME = Date.UTC(2025, 0, 1, 12, 0, 0);
const SID = 'sid-6f1c0e9b2d7a4c3e';

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[]; events: Array<{ level: LogLevel; message: string; fields: Record<string, unknown> }> } {
  const lines: string[] = [];
  const events: Array<{ level: LogLevel; message: string; fields: Record<string, unknown> }> = [];
  const logger = createLogger('debug', (line) => lines.push(line));
  logger.addSink((level, message, fields) => events.push({ level, message, fields }));
  return { logger, lines, events };
}

const deleteCall: AuditCallInfo = {
  tool: 'delete_vm',
  target: 'nas',
  subject: 'vm web-01 (vm-1)',
  args: { vm: 'web-01', confirm_token: 'Zm9vYmFyYmF6cXV4cXV1eA', password: 'hunter22', nested: { sid: SID, note: `session ${SID}` } },
};

/** Call ids c1, c2, ... in the order the log hands them out. */
function numberedIds(): () => string {
  let next = 0;
  return () => `c${(next += 1)}`;
}

async function lines(path: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('AuditLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmm-audit-'));
    registerSecret(SID);
  });
  afterEach(async () => {
    forgetSecret(SID);
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a started line when a call goes ahead and its outcome with the same call id when it ends', async () => {
    const path = join(dir, 'audit.jsonl');
    const { logger } = capturingLogger();
    const audit = new AuditLog({ path, logger, now: () => TIME, newCallId: numberedIds() });
    const call = audit.begin({ tool: 'power_on', target: 'nas', subject: 'vm web-01 (vm-1)', args: { vm: 'web-01', wait: true } }, logger);
    audit.record({ tool: 'power_off', target: 'nas', args: { vm: 'web-02' }, outcome: 'confirmation_required' }, logger);
    call.finish('ok');
    call.finish('error', 'a second finish is ignored');
    await audit.close();
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(await lines(path)).toEqual([
      { time: '2025-01-01T12:00:00.000Z', call: 'c1', tool: 'power_on', target: 'nas', subject: 'vm web-01 (vm-1)', args: { vm: 'web-01', wait: true }, outcome: 'started' },
      { time: '2025-01-01T12:00:00.000Z', call: 'c2', tool: 'power_off', target: 'nas', args: { vm: 'web-02' }, outcome: 'confirmation_required' },
      { time: '2025-01-01T12:00:00.000Z', call: 'c1', tool: 'power_on', target: 'nas', subject: 'vm web-01 (vm-1)', outcome: 'ok' },
    ]);
  });

  it('waits on close for calls in flight to record, and writes outcome unknown for those still running after the grace', async () => {
    const path = join(dir, 'audit.jsonl');
    const { logger } = capturingLogger();
    const audit = new AuditLog({ path, logger, newCallId: numberedIds() });
    const finishing = audit.begin({ tool: 'create_vm', target: 'nas', args: { name: 'a' } }, logger);
    const stuck = audit.begin({ tool: 'delete_vm', target: 'nas', args: { vm: 'b' } }, logger);
    expect(audit.inFlight).toBe(2);
    const closed = audit.close(200);
    finishing.finish('cancelled', 'cancelled while waiting for the task');
    await closed;
    stuck.finish('ok');
    const outcomes = (await lines(path)).map((line) => [line.call, line.outcome]);
    expect(outcomes).toEqual([['c1', 'started'], ['c2', 'started'], ['c1', 'cancelled'], ['c2', 'outcome unknown']]);
    expect(audit.inFlight).toBe(0);
  });

  it('bounds the line of a call with pathological arguments (5,000 nested arrays, a megabyte of text)', async () => {
    const path = join(dir, 'audit.jsonl');
    const { logger } = capturingLogger();
    const audit = new AuditLog({ path, logger });
    let nested: unknown = 'bottom';
    for (let depth = 0; depth < 5_000; depth++) nested = [nested];
    audit.record({ tool: 'update_vm', target: 'nas', args: { vm: nested }, outcome: 'error', error: 'x'.repeat(100_000) }, logger);
    audit.record({ tool: 'update_vm', target: 'nas', args: { description: 'y'.repeat(1_000_000) }, outcome: 'error' }, logger);
    await audit.close();
    const written = await lines(path);
    expect(written).toHaveLength(2);
    for (const line of written) expect(JSON.stringify(line).length).toBeLessThan(20_000);
    expect(JSON.stringify(written[0]?.args)).toContain('[too deep]');
    expect(written[1]?.args).toMatch(/^\[1000018 characters of arguments, too large to record/);
  });

  it('appends to an existing file instead of replacing it', async () => {
    const path = join(dir, 'audit.jsonl');
    const { logger } = capturingLogger();
    for (const tool of ['power_on', 'shutdown']) {
      const audit = new AuditLog({ path, logger });
      audit.begin({ tool, target: 'nas', args: {} }, logger).finish('ok');
      await audit.close();
    }
    const tools = (await lines(path)).map((line) => `${line.tool} ${line.outcome}`);
    expect(tools).toEqual(['power_on started', 'power_on ok', 'shutdown started', 'shutdown ok']);
  });

  it('redacts confirm tokens, passwords and known session ids in the file and in the log', async () => {
    const path = join(dir, 'audit.jsonl');
    const { logger, lines: logged, events } = capturingLogger();
    const audit = new AuditLog({ path, logger, now: () => TIME });
    audit.begin(deleteCall, logger).finish('error', `DSM refused the call for session ${SID}`);
    await audit.close();
    const written = await readFile(path, 'utf8');
    const [started, ended] = await lines(path);
    expect(started?.args).toEqual({ vm: 'web-01', confirm_token: '[redacted]', password: '[redacted]', nested: { sid: '[redacted]', note: 'session [redacted]' } });
    expect(ended?.error).toBe('DSM refused the call for session [redacted]');
    const everything = [written, ...logged, JSON.stringify(events)].join('\n');
    for (const secret of [SID, 'hunter22', 'Zm9vYmFyYmF6cXV4cXV1eA']) expect(everything).not.toContain(secret);
  });

  it('reports each line through the logger of the session that made the call, at info level', () => {
    const { logger, events } = capturingLogger();
    const process = capturingLogger();
    const audit = new AuditLog({ logger: process.logger, now: () => TIME, newCallId: () => 'c1' });
    audit.record({ tool: 'update_vm', target: 'nas', subject: 'vm web-01 (vm-1)', args: { vm: 'web-01', vcpus: 4 }, outcome: 'refused', error: 'protected' }, logger);
    expect(events).toEqual([{
      level: 'info',
      message: 'audit: update_vm on nas refused',
      fields: { time: '2025-01-01T12:00:00.000Z', call: 'c1', tool: 'update_vm', target: 'nas', subject: 'vm web-01 (vm-1)', args: { vm: 'web-01', vcpus: 4 }, outcome: 'refused', error: 'protected' },
    }]);
    expect(process.events, 'the line goes to the calling session\'s logger, not the process logger').toEqual([]);
  });

  it('keeps going when the file cannot be written, reporting the failure once', async () => {
    const path = join(dir, 'missing-folder', 'audit.jsonl');
    const { logger, events } = capturingLogger();
    const audit = new AuditLog({ path, logger });
    expect(() => {
      audit.record({ tool: 'power_on', target: 'nas', args: {}, outcome: 'refused' }, logger);
      audit.record({ tool: 'shutdown', target: 'nas', args: {}, outcome: 'refused' }, logger);
    }).not.toThrow();
    await audit.close();
    const errors = events.filter((event) => event.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(`cannot write audit log ${path}`);
    expect(events.filter((event) => event.level === 'info')).toHaveLength(2);
  });

  it('says so when the file becomes writable again, and writes the records from then on', async () => {
    const folder = join(dir, 'later');
    const path = join(folder, 'audit.jsonl');
    const { logger, events } = capturingLogger();
    const audit = new AuditLog({ path, logger });
    audit.record({ tool: 'power_on', target: 'nas', args: {}, outcome: 'refused' }, logger);
    await mkdir(folder);
    audit.record({ tool: 'shutdown', target: 'nas', args: {}, outcome: 'refused' }, logger);
    await audit.close();
    expect(events.map((event) => event.message).filter((message) => !message.startsWith('audit:'))).toEqual([
      expect.stringContaining('cannot write audit log'),
      `audit log ${path} is writable again`,
    ]);
    expect(JSON.parse(await readFile(path, 'utf8')).tool).toBe('shutdown');
  });

  it('closes more than once without complaint and records to the logger only after closing', async () => {
    const path = join(dir, 'audit.jsonl');
    const { logger, events } = capturingLogger();
    const audit = new AuditLog({ path, logger });
    audit.record({ tool: 'power_on', target: 'nas', args: {}, outcome: 'refused' }, logger);
    await audit.close();
    await audit.close();
    audit.record({ tool: 'shutdown', target: 'nas', args: {}, outcome: 'refused' }, logger);
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(events.map((event) => event.message)).toEqual(['audit: power_on on nas refused', 'audit: shutdown on nas refused']);
  });
});
