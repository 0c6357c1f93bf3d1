import type { WaitOptions } from '../vmm/operations.js';
import type { ToolContext } from './define.js';

/** A wait bounded by the tool's timeout_s, cancelled with the request, reporting progress to the client. */
export function waitFor(timeoutS: number, ctx: ToolContext): WaitOptions {
  return { timeoutMs: timeoutS * 1000, signal: ctx.signal, onProgress: (progress) => ctx.progress(progress) };
}
