import { closeSync, openSync, writeSync } from 'node:fs';
import type { Logger } from '../log.js';
import { redact } from './redact.js';

export interface AuditEntry {
  tool: string;
  target: string;
  subject?: string;
  args: Record<string, unknown>;
  outcome: 'ok' | 'error' | 'refused' | 'confirmation_required';
  error?: string;
}

export interface AuditLogOptions {
  /** JSONL file to append to (VMM_AUDIT_LOG); created if missing, its folder must exist. */
  path?: string;
  logger: Logger;
  /** Clock for the `time` field; tests pass a fake one. */
  now?: () => number;
}

/**
 * Write and destructive calls, one JSON line each, secrets redacted. Lines are written synchronously
 * so that a record survives the process being stopped right after the call. A failing file never
 * fails the call it records: the first failure is reported through the logger, as is the recovery.
 */
export class AuditLog {
  private readonly path: string | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private fd: number | undefined;
  private failing = false;
  private closed = false;

  constructor(options: AuditLogOptions) {
    this.path = options.path;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  record(entry: AuditEntry): void {
    const line = redact({ time: new Date(this.now()).toISOString(), ...entry });
    this.logger.info(`audit: ${entry.tool} on ${entry.target} ${entry.outcome}`, line);
    if (this.path !== undefined && !this.closed) this.append(this.path, `${JSON.stringify(line)}\n`);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
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
