import type { Handler } from '../context.js';
import { findGuest, findHost, powerOnGuest, stopGuest } from '../guests.js';

/** SYNO.Virtualization.API.Guest.Action: no task; callers poll the guest's status. */
export const guestActionMethods: Readonly<Record<string, Handler>> = {
  poweron: ({ sim, params }) => {
    const vm = findGuest(sim, params);
    powerOnGuest(sim, vm, findHost(sim, params));
    return undefined;
  },
  poweroff: ({ sim, params }) => {
    stopGuest(sim, findGuest(sim, params), true);
    return undefined;
  },
  shutdown: ({ sim, params }) => {
    stopGuest(sim, findGuest(sim, params), false);
    return undefined;
  },
};
