import { type ErrorReason, OperationError } from '../../errors.js';

/**
 * LunaNode's refusals (`"success": "no"` with `error`, HTTP 200) retold for an agent: LunaNode's own
 * words quoted, a neutral reason where the operations layer acts on one, and the next step.
 */

export const READ_BEFORE_RETRY = 'Read the current state (list_vms, get_vm or list_images) before trying again.';

interface Known {
  match: RegExp;
  next: (context: RefusalContext) => string;
  reason?: ErrorReason;
  kind?: 'backend' | 'auth' | 'not_found';
}

/** What the caller knew when LunaNode refused, for a next step that names it. */
export interface RefusalContext {
  /** The endpoint, e.g. `vm/start/`. */
  endpoint: string;
  /** The target's default region, if one is set. */
  region?: string;
}

const regions = (context: RefusalContext): string => (context.region === undefined ? 'every region' : `region ${context.region} (or pass another)`);

const KNOWN: readonly Known[] = [
  { match: /^invalid vm$/i, kind: 'not_found', next: (c) => `list_vms shows the VMs of ${regions(c)}; pass an exact name or id from it` },
  { match: /^invalid image( selection)?$/i, kind: 'not_found', next: (c) => `list_images shows the images of ${regions(c)}; pass an exact name or id from it` },
  { match: /^invalid region$/i, next: () => 'pass region as toronto, montreal or roubaix (list_hosts shows the regions)' },
  { match: /^region not set$/i, next: () => "pass region (toronto, montreal or roubaix), or set the target's region setting" },
  { match: /^invalid plan selection$/i, next: () => 'pick other vcpus and ram_mb; list_hosts shows the plans of each region' },
  { match: /not set$/i, next: () => 'pass the missing arguments' },
  { match: /vm_state (stopped|shutoff)/i, reason: 'vm_stopped', next: () => 'start the VM with power_on first' },
  { match: /vm_state active/i, reason: 'vm_running', next: () => 'shut the VM down first with shutdown, then retry' },
  { match: /must be stopped/i, reason: 'vm_running', next: () => 'shut the VM down first with shutdown, then retry' },
  {
    // LunaNode answers one text for every bad credential: unknown api_id, wrong partial key, bad signature,
    // stale nonce (the live API's answer in nomoon/lunanode spec/lunanode/api_spec.rb).
    match: /^authentication failure/i,
    kind: 'auth',
    next: () =>
      "check the target's api_id and api_key (VMM_API_ID, VMM_API_KEY), that this machine's clock is right (LunaNode checks the nonce), and that the key is not restricted to other source IPs",
  },
];

export function refusal(error: string, context: RefusalContext): OperationError {
  const known = KNOWN.find((candidate) => candidate.match.test(error.trim()));
  return new OperationError(known?.kind ?? 'backend', `LunaNode refused ${context.endpoint}: "${error}"`, {
    next: known?.next(context) ?? 'check the arguments against list_vms / list_images, then retry',
    ...(known?.reason === undefined ? {} : { reason: known.reason }),
  });
}
