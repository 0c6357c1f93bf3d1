import { redact, redactText } from './safety/redact.js';

/**
 * Logging goes to stderr only: stdout belongs to JSON-RPC. A sink can be added so that the MCP
 * server forwards lines to a client that asked for log messages. With several MCP sessions (HTTP),
 * each session logs through its own child logger: what a call logs (an audit line with its
 * arguments) reaches that session's client only, while the parent's lines (DSM warnings, start-up)
 * reach every session.
 */

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogSink = (level: LogLevel, message: string, fields: Record<string, unknown>) => void;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warning(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Adds a sink for this logger's lines and its ancestors'; returns the function that removes it. */
  addSink(sink: LogSink): () => void;
  /** A logger that writes to stderr like this one, but whose lines reach only the sinks added to it. */
  child(): Logger;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export function createLogger(
  minLevel: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  return buildLogger(minLevel, write, undefined);
}

function buildLogger(minLevel: LogLevel, write: (line: string) => void, parent: Logger | undefined): Logger {
  const sinks = new Set<LogSink>();
  const emit = (level: LogLevel, message: string, fields: Record<string, unknown> = {}): void => {
    const safeMessage = redactText(message);
    const safeFields = redact(fields);
    for (const sink of sinks) sink(level, safeMessage, safeFields);
    if (rank[level] < rank[minLevel]) return;
    const extra = Object.keys(safeFields).length > 0 ? ` ${JSON.stringify(safeFields)}` : '';
    write(`vmm-mcp ${level}: ${safeMessage}${extra}\n`);
  };
  const logger: Logger = {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warning: (message, fields) => emit('warning', message, fields),
    error: (message, fields) => emit('error', message, fields),
    addSink(sink) {
      sinks.add(sink);
      const removeFromParent = parent?.addSink(sink);
      return () => {
        sinks.delete(sink);
        removeFromParent?.();
      };
    },
    child: () => buildLogger(minLevel, write, logger),
  };
  return logger;
}

/** For tests and library use: a logger that prints nothing. */
export const silentLogger: Logger = createLogger('error', () => undefined);
