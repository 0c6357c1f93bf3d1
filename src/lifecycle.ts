import type { Logger } from './log.js';

/**
 * Process-wide behaviour of the long-running modes: SIGINT and SIGTERM start one orderly shutdown
 * (a second signal ends the process at once), and unexpected failures are logged to stderr, redacted
 * by the logger, never printed with a stack on stdout.
 */

export interface Lifecycle {
  /** Resolves with the signal's name when SIGINT or SIGTERM arrives. */
  readonly signalled: Promise<string>;
  /** Runs the shutdown steps once, in order, within `limitMs`, then exits with 0 (or 1 if the limit passed). */
  shutdown(reason: string, steps: ReadonlyArray<() => Promise<void>>, limitMs: number): Promise<never>;
}

export function startLifecycle(logger: Logger): Lifecycle {
  let shuttingDown = false;
  const signalled = new Promise<string>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (shuttingDown) {
        logger.warning(`${signal} again: exiting without finishing the shutdown`);
        process.exit(1);
      }
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error(`unexpected failure (please report it): ${describe(reason)}`);
  });
  process.on('uncaughtException', (error) => {
    logger.error(`unexpected failure, exiting (please report it): ${describe(error)}`);
    logger.debug(error.stack ?? '');
    process.exit(1);
  });

  return {
    signalled,
    async shutdown(reason, steps, limitMs) {
      shuttingDown = true;
      logger.info(`shutting down (${reason})`);
      // Not unref'd: it also keeps the process alive while a step waits on something that holds no handle.
      const limit = setTimeout(() => {
        logger.warning(`shutdown took longer than ${limitMs} ms; exiting anyway`);
        process.exit(1);
      }, limitMs);
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          logger.warning(`shutdown step failed: ${describe(error)}`);
        }
      }
      clearTimeout(limit);
      logger.info('stopped');
      process.exit(0);
    },
  };
}

function describe(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}
