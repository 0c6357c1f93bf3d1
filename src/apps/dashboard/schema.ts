import { z } from 'zod';

/**
 * What show_dashboard answers and the dashboard view draws: every target with its hosts, storages, VMs
 * and running tasks, and which of the view's actions the target's policy would refuse, with the reason.
 * Only zod here: the view (a browser bundle) imports these types too.
 */

/** The actions the view offers on a VM, by the tool each one calls. */
export const DASHBOARD_ACTIONS = ['power_on', 'shutdown', 'power_off', 'delete_vm'] as const;
export type DashboardAction = (typeof DASHBOARD_ACTIONS)[number];

/** Action name to the policy's refusal, for the actions it refuses; an action not named is allowed. */
const blocked = z.partialRecord(z.enum(DASHBOARD_ACTIONS), z.string());

const usage = z.object({ used: z.number(), total: z.number() });

export const dashboardHost = z.object({
  name: z.string(),
  status: z.string(),
  cpu_threads: usage.optional(),
  ram_mb: usage.optional(),
});

export const dashboardStorage = z.object({
  name: z.string(),
  status: z.string(),
  host: z.string().optional(),
  size_gb: z.number().optional(),
  used_gb: z.number().optional(),
});

export const dashboardVm = z.object({
  name: z.string(),
  status: z.string(),
  vcpus: z.number(),
  ram_mb: z.number(),
  host: z.string().optional(),
  /** Refusals that hold for this VM only (a VMM_PROTECT pattern), beyond the target's own. */
  blocked: blocked.optional(),
});

/** A background task still running. */
export const dashboardTask = z.object({
  task_id: z.string(),
  status: z.string(),
  progress: z.number(),
});

export const dashboardTarget = z.object({
  name: z.string(),
  /** The API family the target speaks (for example dsm-official). */
  provider: z.string(),
  read_only: z.boolean(),
  /** Refusals that hold for every VM of the target (read-only, destructive tools denied). */
  blocked,
  /** The actions this target does only on a stopped VM (DSM deletes only stopped VMs, LunaNode any). */
  stopped_only: z.array(z.enum(DASHBOARD_ACTIONS)),
  /** Set when the target could not be read; the lists are then empty. */
  error: z.string().optional(),
  hosts: z.array(dashboardHost),
  storages: z.array(dashboardStorage),
  vms: z.array(dashboardVm),
  /** VMs the target has; more than `vms` holds when the list was cut at the dashboard's limit. */
  vms_total: z.number(),
  tasks: z.array(dashboardTask),
});

export const dashboardData = z.object({
  targets: z.array(dashboardTarget),
});

export type DashboardData = z.infer<typeof dashboardData>;
export type DashboardTarget = z.infer<typeof dashboardTarget>;
export type DashboardVm = z.infer<typeof dashboardVm>;
export type DashboardHost = z.infer<typeof dashboardHost>;
export type DashboardStorage = z.infer<typeof dashboardStorage>;
export type DashboardTask = z.infer<typeof dashboardTask>;
