import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the built `dist/cli.js` (the test script builds it first) the way a user or an MCP client does,
 * with an environment that holds only what the test gives it, so that the runner's own VMM_* never leak in.
 */

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, ...env };
}

/** Runs the CLI to completion with stdin closed; for modes that end by themselves (errors, --help). */
export function runCli(args: readonly string[], env: Record<string, string> = {}, cwd?: string): Promise<Finished> {
  const child = spawnCli(args, env, cwd);
  child.stdin.end();
  return finished(child);
}

export function spawnCli(args: readonly string[], env: Record<string, string> = {}, cwd?: string): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
}

export function finished(child: ChildProcessWithoutNullStreams): Promise<Finished> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
  });
}

/** Everything a long-running mode printed on stdout so far, with a wait for the line a test needs. */
export class StdoutLines {
  private text = '';
  private readonly waiters = new Set<() => void>();

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      for (const waiter of this.waiters) waiter();
    });
  }

  get all(): string {
    return this.text;
  }

  /** Resolves with the first line that matches; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const line = this.text.split('\n').find((candidate) => pattern.test(candidate));
        if (line === undefined) return;
        this.waiters.delete(check);
        this.child.off('exit', onExit);
        resolve(line);
      };
      const onExit = (code: number | null): void => {
        this.waiters.delete(check);
        reject(new Error(`exited with ${code} before printing ${pattern}; stdout: ${this.text}`));
      };
      this.waiters.add(check);
      this.child.once('exit', onExit);
      check();
    });
  }
}
