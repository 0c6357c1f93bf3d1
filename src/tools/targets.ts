import { z } from 'zod';
import { OperationError } from '../errors.js';
import type { Vmm } from '../vmm/operations.js';
import { defineTool, type TargetRuntime, type ToolDefinition } from './define.js';

/** How long a target may take to answer before list_targets calls it unreachable. */
export const REACHABILITY_TIMEOUT_MS = 5_000;

const targetView = z.object({
  name: z.string(),
  default: z.boolean(),
  read_only: z.boolean(),
  destructive: z.enum(['confirm', 'deny', 'allow']),
  protect: z.array(z.string()),
  reachable: z.boolean(),
  api_style: z.string().optional(),
  error: z.string().optional(),
});
type TargetView = z.infer<typeof targetView>;

const listTargets = defineTool({
  name: 'list_targets',
  title: 'List targets',
  description:
    'List the configured NAS targets with their policy and whether each answers now. Pass a name as target to other tools.',
  effect: 'read',
  scope: 'server',
  input: z.object({}),
  output: z.object({ targets: z.array(targetView) }),
  async run(_args, ctx) {
    // In parallel, each under its own timeout: a target that is down delays and breaks no other.
    const targets = await Promise.all(ctx.targets.map((target, index) => describeTarget(target, index === 0, ctx.signal)));
    return { targets };
  },
});

async function describeTarget(target: TargetRuntime, isDefault: boolean, signal: AbortSignal): Promise<TargetView> {
  const { name, policy } = target;
  const described = { name, default: isDefault, read_only: policy.readOnly, destructive: policy.destructive, protect: [...policy.protect] };
  return { ...described, ...(await reachability(target.vmm, signal)) };
}

async function reachability(vmm: Vmm, signal: AbortSignal): Promise<Pick<TargetView, 'reachable' | 'api_style' | 'error'>> {
  const timeout = AbortSignal.timeout(REACHABILITY_TIMEOUT_MS);
  const ctx = { signal: AbortSignal.any([signal, timeout]) };
  try {
    // Discovery is cached after the first call, so an authenticated read shows the target answers now.
    const capabilities = await vmm.capabilities(ctx);
    if (capabilities.has('hosts')) await vmm.listHosts(ctx);
    else await vmm.listImages({ limit: 1, offset: 0 }, ctx);
    // Exact once capabilities() resolved: the backend has discovered which API family it speaks.
    return { reachable: true, api_style: vmm.backend.style };
  } catch (error) {
    if (signal.aborted) throw error;
    if (timeout.aborted) return { reachable: false, error: `no answer within ${REACHABILITY_TIMEOUT_MS / 1000} s` };
    return { reachable: false, error: reason(error) };
  }
}

function reason(error: unknown): string {
  if (!(error instanceof OperationError)) return error instanceof Error ? error.message : String(error);
  const code = error.dsm === undefined ? '' : ` (DSM error ${error.dsm.code}: ${error.dsm.meaning})`;
  return `${error.message}${code}`;
}

export const TARGET_TOOLS: readonly ToolDefinition[] = [listTargets];
