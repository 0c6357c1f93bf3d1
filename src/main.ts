import { readFileSync } from 'node:fs';
import { parseCommandLine } from './command-line.js';
import { ConfigError, loadSettings, type LoadedSettings } from './config.js';
import { isOperationError } from './errors.js';
import { startLifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './log.js';
import { AuditLog } from './safety/audit.js';
import { redactText } from './safety/redact.js';
import { closeTargetRuntimes, buildTargetRuntimes } from './runtime.js';
import { createServer } from './server.js';
import { PROVIDERS, providerOf } from './providers/index.js';
import type { RunningSimulator } from './providers/provider.js';
import { resolveTargets, simulatorTarget, type TargetConfig } from './targets.js';
import { serveStdio } from './transports/stdio.js';
import { usage } from './usage.js';

/*
 * The simulator and the HTTP transport (SDK Streamable HTTP, Hono) are imported only by the modes that
 * use them: a desktop client spawns the stdio server and waits for its first answer, and loading
 * modules it never runs was a third of that wait.
 */

/** How long calls in flight may finish after a shutdown starts, and how long the whole shutdown may take. */
const GRACE_MS = 5_000;
const SHUTDOWN_LIMIT_MS = 15_000;
/** How long calls the shutdown cancelled may take to record their outcome before it is written as unknown. */
const AUDIT_GRACE_MS = 3_000;

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const command = parseCommandLine(argv);
  // --help and --version may use stdout: no MCP session is running.
  if (command.kind === 'help') return void process.stdout.write(usage(version()));
  if (command.kind === 'version') return void process.stdout.write(`${version()}\n`);
  const loaded = loadSettings({ flags: command.flags, command: command.kind, env });
  if (command.kind === 'simulator') return runSimulator(loaded);
  return serveMcp(loaded, command.simulator, env);
}

/** `vmm-mcp simulator`: one provider's simulated system alone; stdout is for people here, not JSON-RPC. */
async function runSimulator(loaded: LoadedSettings): Promise<void> {
  const logger = createLogger(loaded.settings.log_level);
  const lifecycle = startLifecycle(logger);
  const { sim_host: host, sim_port: port, sim_provider: type } = loaded.settings;
  const simulator = await providerOf(type)
    .simulator.start({ host, port, loaded, logger })
    .catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
      throw new ConfigError(`${loaded.sourceOf('sim_port')} ${port}: cannot listen on ${host}:${port} (${code}); pick another port, or 0 for a free one`);
    });
  process.stdout.write(`${simulator.describe().join('\n')}\n`);
  const reason = await lifecycle.signalled;
  logger.info(simulator.summary());
  await lifecycle.shutdown(reason, [() => simulator.close()], SHUTDOWN_LIMIT_MS);
}

/**
 * The `--simulator` demo: every registered provider's simulator on a free loopback port, each its own
 * target named after its type (the first provider's is the default target).
 */
async function startDemo(
  loaded: LoadedSettings,
  logger: Logger,
): Promise<{ simulators: RunningSimulator<unknown>[]; targets: TargetConfig[]; announcements: string[] }> {
  const simulators: RunningSimulator<unknown>[] = [];
  const targets: TargetConfig[] = [];
  const announcements: string[] = [];
  try {
    for (const provider of PROVIDERS) {
      const simulator: RunningSimulator<unknown> = await provider.simulator.start({ host: '127.0.0.1', port: 0, loaded, logger });
      simulators.push(simulator);
      targets.push(simulatorTarget(provider.type, provider.type, simulator.demoConnection(loaded.settings.timeout_ms), loaded));
      announcements.push(`demo mode: simulated ${provider.title} at ${simulator.url} (target ${provider.type})`);
    }
  } catch (error) {
    await Promise.all(simulators.map((simulator) => simulator.close()));
    throw error;
  }
  return { simulators, targets, announcements };
}

/** MCP over stdio (or Streamable HTTP with --http) against the configured targets, or against an in-process simulator. */
async function serveMcp(loaded: LoadedSettings, demo: boolean, env: NodeJS.ProcessEnv): Promise<void> {
  const logger = createLogger(loaded.settings.log_level);
  // Every setting is checked before anything starts or prints, so that a bad one is the only line on stderr.
  const httpMode = loaded.settings.http ? await import('./transports/serve-http.js') : undefined;
  httpMode?.checkHttpSettings(loaded.settings);
  const resolved = demo ? undefined : resolveTargets(loaded, env);
  const lifecycle = startLifecycle(logger);
  let simulators: RunningSimulator<unknown>[] = [];
  let announcements: string[] = [];
  let targets: TargetConfig[];
  if (resolved === undefined) {
    ({ simulators, targets, announcements } = await startDemo(loaded, logger));
  } else {
    for (const warning of resolved.warnings) logger.warning(warning);
    targets = resolved.targets;
  }
  const runtimes = buildTargetRuntimes(targets, logger);
  // One audit log for the process, shared by every MCP session; closed after the transports, once the
  // calls they cancelled recorded how they ended.
  const audit = new AuditLog({ logger, ...(loaded.settings.audit_log === undefined ? {} : { path: loaded.settings.audit_log }) });
  const closeAudit = (): Promise<void> => audit.close(AUDIT_GRACE_MS);
  const serverOptions = { targets: runtimes, logger, audit, dashboard: loaded.settings.dashboard };
  // Said once the transport is up: a port that turns out to be busy is then the only line.
  const announceDemo = (): void => {
    for (const line of announcements) logger.info(line);
  };
  if (httpMode !== undefined) {
    const http = await httpMode.serveHttp(loaded.settings, (sessionLogger) => createServer({ ...serverOptions, logger: sessionLogger }), runtimes, logger);
    announceDemo();
    return lifecycle.shutdown(
      await lifecycle.signalled,
      [() => http.close(), closeAudit, () => closeTargetRuntimes(runtimes, logger), async () => void (await Promise.all(simulators.map((simulator) => simulator.close())))],
      SHUTDOWN_LIMIT_MS,
    );
  }
  const server = createServer(serverOptions);
  const serving = await serveStdio(server, logger);
  announceDemo();
  logger.info(`serving MCP on stdio; targets: ${runtimes.map((target) => target.name).join(', ')}`);
  const reason = await Promise.race([serving.clientGone, lifecycle.signalled]);
  await lifecycle.shutdown(
    reason,
    [() => serving.close(GRACE_MS), closeAudit, () => closeTargetRuntimes(runtimes, logger), async () => void (await Promise.all(simulators.map((simulator) => simulator.close())))],
    SHUTDOWN_LIMIT_MS,
  );
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Startup failures: one line on stderr; 2 for settings the user must fix, 1 for anything else. */
function fail(error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`vmm-mcp: ${error.message}\n`);
    process.exit(2);
  }
  const message = isOperationError(error)
    ? `${error.message}${error.next === undefined ? '' : ` ${error.next}`}`
    : `unexpected failure (please report it): ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`vmm-mcp: ${redactText(message)}\n`);
  process.exit(1);
}

main(process.argv.slice(2), process.env).catch(fail);
