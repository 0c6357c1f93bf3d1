import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../src/log.js';
import { AuditLog, type AuditEntry } from '../src/safety/audit.js';
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

const deleteEntry: AuditEntry = {
  tool: 'delete_vm',
  target: 'nas',
  subject: 'vm web-01 (vm-1)',
  args: { vm: 'web-01', confirm_token: 'Zm9vYmFyYmF6cXV4cXV1eA', password: 'hunter22', nested: { sid: SID, note: `session ${SID}` } },
  outcome: 'error',
  error: `DSM refused the call for session ${SID}`,
};

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

  it('appends one JSON line per record with time, tool, target, subject, args, outcome and error', async () => {
    const path = join(dir, 'audit.jsonl');
    const { logger } = capturingLogger();
    const audit = new AuditLog({ path, logger, now: () => TIME });
    audit.record({ tool: 'power_on', target: 'nas', subject: 'vm web-01 (vm-1)', args: { vm: 'web-01', wait: true }, outcome: 'ok' });
    audit.record({ tool: 'power_off', target: 'nas', args: { vm: 'web-02' }, outcome: 'confirmation_required' });
    await audit.close();
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { time: '2025-01-01T12:00:00.000Z', tool: 'power_on', target: 'nas', subject: 'vm web-01 (vm-1)', args: { vm: 'web-01', wait: true }, outcome: 'ok' },
      { time: '2025-01-01T12:00:00.000Z', tool: 'power_off', target: 'nas', args: { vm: 'web-02' }, outcome: 'confirmation_required' },
    ]);
  });

  it('appends to an existing file instead of replacing it', async () => {
    const path = join(dir, 'audit.jsonl');
    const { logger } = capturingLogger();
    for (const tool of ['power_on', 'shutdown']) {
      const audit = new AuditLog({ path, logger });
      audit.record({ tool, target: 'nas', args: {}, outcome: 'ok' });
      await audit.close();
    }
    const tools = (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line).tool);
    expect(tools).toEqual(['power_on', 'shutdown']);
  });

  it('redacts confirm tokens, passwords and known session ids in the file and in the log', async () => {
    const path = join(dir, 'audit.jsonl');
    const { logger, lines, events } = capturingLogger();
    const audit = new AuditLog({ path, logger, now: () => TIME });
    audit.record(deleteEntry);
    await audit.close();
    const written = await readFile(path, 'utf8');
    const entry = JSON.parse(written);
    expect(entry.args).toEqual({ vm: 'web-01', confirm_token: '[redacted]', password: '[redacted]', nested: { sid: '[redacted]', note: 'session [redacted]' } });
    expect(entry.error).toBe('DSM refused the call for session [redacted]');
    const everything = [written, ...lines, JSON.stringify(events)].join('\n');
    for (const secret of [SID, 'hunter22', 'Zm9vYmFyYmF6cXV4cXV1eA']) expect(everything).not.toContain(secret);
  });

  it('reports each record through the logger at info level', () => {
    const { logger, events } = capturingLogger();
    const audit = new AuditLog({ logger, now: () => TIME });
    audit.record({ tool: 'update_vm', target: 'nas', subject: 'vm web-01 (vm-1)', args: { vm: 'web-01', vcpus: 4 }, outcome: 'refused', error: 'protected' });
    expect(events).toEqual([{
      level: 'info',
      message: 'audit: update_vm on nas refused',
      fields: { time: '2025-01-01T12:00:00.000Z', tool: 'update_vm', target: 'nas', subject: 'vm web-01 (vm-1)', args: { vm: 'web-01', vcpus: 4 }, outcome: 'refused', error: 'protected' },
    }]);
  });

  it('keeps going when the file cannot be written, reporting the failure once', async () => {
    const path = join(dir, 'missing-folder', 'audit.jsonl');
    const { logger, events } = capturingLogger();
    const audit = new AuditLog({ path, logger });
    expect(() => {
      audit.record({ tool: 'power_on', target: 'nas', args: {}, outcome: 'ok' });
      audit.record({ tool: 'shutdown', target: 'nas', args: {}, outcome: 'ok' });
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
    audit.record({ tool: 'power_on', target: 'nas', args: {}, outcome: 'ok' });
    await mkdir(folder);
    audit.record({ tool: 'shutdown', target: 'nas', args: {}, outcome: 'ok' });
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
    audit.record({ tool: 'power_on', target: 'nas', args: {}, outcome: 'ok' });
    await audit.close();
    await audit.close();
    audit.record({ tool: 'shutdown', target: 'nas', args: {}, outcome: 'ok' });
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(events.map((event) => event.message)).toEqual(['audit: power_on on nas ok', 'audit: shutdown on nas ok']);
  });
});
