import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Logger } from '../log.js';
import { redact } from './redact.js';

/**
 * How an audited call ended. `started` is written the moment the safety gate lets a call go ahead, so
 * a change in flight is on record even if the process dies; the call's outcome follows as a second line
 * with the same call id. `outcome unknown` means the change may or may not have happened: a write
 * failed in transit, or the server stopped before the call ended. Calls stopped at the gate (refused,
 * awaiting confirmation, invalid arguments) never started anything and get one line.
 */
export type AuditOutcome = 'started' | 'ok' | 'error' | 'cancelled' | 'outcome unknown' | 'refused' | 'confirmation_required';
export type FinalOutcome = 'ok' | 'error' | 'cancelled' | 'outcome unknown';

export interface AuditEntry {
  /** Shared by a call's `started` line and its outcome line. */
  call: string;
  tool: string;
  target: string;
  subject?: string;
  /** On the first line of a call only. */
  args?: Record<string, unknown>;
  outcome: AuditOutcome;
  error?: string;
}

export type AuditCallInfo = Pick<AuditEntry, 'tool' | 'target' | 'subject'> & { args: Record<string, unknown> };

/** A call the gate let through: its outcome is recorded exactly once. */
export interface AuditedCall {
  readonly id: string;
  finish(outcome: FinalOutcome, error?: string): void;
}

export interface AuditLogOptions {
  /** JSONL file to append to (VMM_AUDIT_LOG); created if missing, its folder must exist. */
  path?: string;
  /** For the log's own troubles (a file that cannot be written). */
  logger: Logger;
  /** Clock for the `time` field; tests pass a fake one. */
  now?: () => number;
  /** Call ids; tests pass predictable ones. */
  newCallId?: () => string;
}

/** Arguments whose JSON is longer are recorded as their size and beginning, so one hostile call cannot flood the file. */
const MAX_ARGS_CHARS = 8_192;
const ARGS_PREVIEW_CHARS = 1_000;
const MAX_ERROR_CHARS = 4_000;

/**
 * Write and destructive calls, as JSON lines, secrets redacted. One per process: every MCP session
 * (stdio, or each HTTP client) records through the same file descriptor. Lines are written
 * synchronously so that a record survives the process being stopped right after it. A failing file
 * never fails the call it records: the first failure is reported through the logger, as is the recovery.
 * Each line also goes to the logger of the session that made the call (its MCP client, if it asked).
 */
export class AuditLog {
  private readonly path: string | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly newCallId: () => string;
  private readonly open = new Map<string, { info: AuditCallInfo; logger: Logger }>();
  private drained: (() => void) | undefined;
  private fd: number | undefined;
  private failing = false;
  private closed = false;

  constructor(options: AuditLogOptions) {
    this.path = options.path;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.newCallId = options.newCallId ?? randomUUID;
  }

  /** Records that a call goes ahead; its outcome must follow through `finish`. */
  begin(info: AuditCallInfo, logger: Logger): AuditedCall {
    const id = this.newCallId();
    this.open.set(id, { info, logger });
    this.write({ call: id, ...info, outcome: 'started' }, logger);
    let finished = false;
    return {
      id,
      finish: (outcome, error) => {
        if (finished) return;
        finished = true;
        this.end(id, outcome, error);
      },
    };
  }

  /** One line for a call that ended at the gate. */
  record(info: AuditCallInfo & { outcome: 'refused' | 'confirmation_required' | 'error'; error?: string }, logger: Logger): void {
    this.write({ call: this.newCallId(), ...info }, logger);
  }

  /** Calls that began and have not finished yet. */
  get inFlight(): number {
    return this.open.size;
  }

  /**
   * Waits up to `graceMs` for the calls in flight to record their outcome (a closing transport cancels
   * them, and they record `cancelled` as they unwind), records `outcome unknown` for any still running,
   * then closes the file. Later records reach the logger only.
   */
  async close(graceMs = 0): Promise<void> {
    if (this.open.size > 0 && graceMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.drained = undefined;
    }
    for (const id of [...this.open.keys()]) {
      this.end(id, 'outcome unknown', 'the server stopped before this call ended; check the current state before repeating it');
    }
    this.closed = true;
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }

  private end(id: string, outcome: FinalOutcome, error: string | undefined): void {
    const call = this.open.get(id);
    if (call === undefined) return;
    this.open.delete(id);
    const { tool, target, subject } = call.info;
    this.write({ call: id, tool, target, ...(subject === undefined ? {} : { subject }), outcome, ...(error === undefined ? {} : { error }) }, call.logger);
    if (this.open.size === 0) this.drained?.();
  }

  private write(entry: AuditEntry, logger: Logger): void {
    const line = bounded(redact({ time: new Date(this.now()).toISOString(), ...entry }));
    logger.info(`audit: ${entry.tool} on ${entry.target} ${entry.outcome}`, line);
    if (this.path !== undefined && !this.closed) this.append(this.path, `${JSON.stringify(line)}\n`);
  }

  private append(path: string, text: string): void {
    try {
      this.fd ??= openSync(path, 'a', 0o600);
      writeSync(this.fd, text);
      if (this.failing) {
        this.failing = false;
        this.logger.info(`audit log ${path} is writable again`);
      }
    } catch (error) {
      if (this.failing) return;
      this.failing = true;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error(`cannot write audit log ${path} (${reason}); calls go on, unrecorded until it is writable again`);
    }
  }
}

function bounded(line: Record<string, unknown>): Record<string, unknown> {
  const out = { ...line };
  if (typeof out.error === 'string' && out.error.length > MAX_ERROR_CHARS) out.error = `${out.error.slice(0, MAX_ERROR_CHARS)}... [cut]`;
  if (out.args === undefined) return out;
  const args = JSON.stringify(out.args);
  if (args.length > MAX_ARGS_CHARS) {
    out.args = `[${args.length} characters of arguments, too large to record; they began: ${args.slice(0, ARGS_PREVIEW_CHARS)}]`;
  }
  return out;
}
