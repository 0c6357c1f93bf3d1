import { OperationError } from '../../errors.js';
import { number, optional, text } from './answer-fields.js';
import type { LunaNodeAnswer } from './client.js';

/**
 * LunaNode sizes a VM only by its plan. A plan/list entry, as LunaNode's clients read it (LunaNode/cloug
 * provider/lunanode/api/params.go; the answer sample in rickparrish/lndapi lndapi/Plan/PlanList.cs), is
 * all strings: plan_id, name, vcpu, ram (MiB), storage (GB), bandwidth, `price` per hour in dollars
 * ("0.005" beside price_nice "$0.005"). Newer answers add `price_monthly_nice` ("$3.5") and
 * `regions_nice`, which augustfengd/lunanode-cli (lunanode-cli/plan/plan.lisp) prints as a plan's
 * regions; no client reads a structured region list of a plan.
 */

export interface Plan {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  /** Dollars per hour; plans without one sort last. */
  hourlyPrice: number;
  /** LunaNode's own monthly price text, e.g. "$3.5", when it sends one. */
  monthly?: string;
  /** LunaNode's display text of the regions offering the plan; absent: every region. */
  regionsText?: string;
}

export function planOf(row: LunaNodeAnswer): Plan {
  const monthly = optional(row, 'price_monthly_nice');
  const regionsText = optional(row, 'regions_nice');
  return {
    id: text(row, 'plan_id', 'plan/list'),
    name: optional(row, 'name') ?? text(row, 'plan_id', 'plan/list'),
    vcpus: number(row, 'vcpu') ?? 0,
    ramMb: number(row, 'ram') ?? 0,
    hourlyPrice: number(row, 'price') ?? Number.POSITIVE_INFINITY,
    ...(monthly === undefined || monthly === '' ? {} : { monthly }),
    ...(regionsText === undefined || regionsText === '' ? {} : { regionsText }),
  };
}

/** `regions_nice` is for people and its format is not documented: a region counts as offered when its id appears in it as a word. */
function offeredIn(plan: Plan, region: string): boolean {
  if (plan.regionsText === undefined) return true;
  return plan.regionsText.toLowerCase().split(/[^a-z0-9]+/).includes(region.toLowerCase());
}

/** The cheapest plan with at least `vcpus` and `ramMb` that the image's region offers. */
export function cheapestPlan(plans: readonly Plan[], region: string, vcpus: number, ramMb: number): Plan {
  const offered = plans.filter((plan) => offeredIn(plan, region));
  const fitting = offered.filter((plan) => plan.vcpus >= vcpus && plan.ramMb >= ramMb).sort((a, b) => a.hourlyPrice - b.hourlyPrice || a.ramMb - b.ramMb);
  const [cheapest] = fitting;
  if (cheapest !== undefined) return cheapest;
  const largest = [...offered].sort((a, b) => b.ramMb - a.ramMb || b.vcpus - a.vcpus)[0];
  throw new OperationError('invalid_input', `No LunaNode plan in ${region} has ${vcpus} vCPU and ${ramMb} MiB`, {
    next: largest === undefined ? 'pick an image in another region' : `ask for at most ${largest.vcpus} vcpus and ${largest.ramMb} ram_mb (plan ${largest.name})`,
  });
}

/** How a result names the plan it picked: "s.1 (1 vCPU, 1024 MiB, $3.5/month)". */
export function describePlan(plan: Plan): string {
  const price = plan.monthly !== undefined ? `${plan.monthly}/month` : Number.isFinite(plan.hourlyPrice) ? `$${plan.hourlyPrice}/hour` : 'price not given';
  return `${plan.name} (${plan.vcpus} vCPU, ${plan.ramMb} MiB, ${price})`;
}
