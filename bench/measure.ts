import { performance } from 'node:perf_hooks';
import type { RpcAnswer, StdioServer } from './stdio-server.js';

/** Timing loops shared by the benchmark sections. */

export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

/** A tool call that must succeed: a failed call would make every figure after it meaningless. */
export async function callOk(server: StdioServer, tool: string, args: Record<string, unknown>): Promise<RpcAnswer> {
  const answer = await server.callTool(tool, args);
  if (answer.error !== undefined) throw new Error(`${tool} answered a protocol error: ${answer.error.message}`);
  if (answer.result?.isError === true) throw new Error(`${tool} failed: ${JSON.stringify(answer.result.content)}`);
  return answer;
}

export interface Throughput {
  concurrency: number;
  calls: number;
  calls_per_s: number;
}

/** Keeps `concurrency` calls in flight for `durationMs` and counts the ones that completed. */
export async function throughput(
  concurrency: number,
  durationMs: number,
  call: () => Promise<unknown>,
): Promise<Throughput> {
  let calls = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await call();
      calls += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  return { concurrency, calls, calls_per_s: Math.round(calls / seconds) };
}

export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) gc();
}
