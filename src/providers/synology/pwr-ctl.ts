import type { HostId, VmId } from '../../vmm/model.js';
import type { DsmParams } from './wire.js';

/**
 * DSM 7's internal power API (backend-notes): `pwr_ctl` with an action, answering no task, so callers
 * poll the guest's status. Only DSM 7 lists it (the seeds' CamelCase dialect powers guests through
 * its Guest API and has no reboot), beside the official family on a box with both; the guest ids are
 * the same in both families.
 */
export const GUEST_ACTION_API = 'SYNO.Virtualization.Guest.Action';
export const PWR_CTL = 'pwr_ctl';

export type PowerAction = 'poweron' | 'poweroff' | 'shutdown' | 'reboot';

export function pwrCtlParams(id: VmId, action: PowerAction, host?: HostId): DsmParams {
  return { guest_id: id, action, host_id: host };
}
