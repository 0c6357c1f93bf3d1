import { OperationError, type DsmErrorDetail, type ErrorKind } from '../../../errors.js';
import { isSecretKey } from '../../../safety/redact.js';

/**
 * Every DSM error code from the VMM API guide, scoped: the same number means different things for
 * SYNO.API.Auth and for the SYNO.Virtualization APIs (401 is "account disabled" at login but "bad
 * parameter" for a guest call). This table is the one source of truth for their meanings.
 */

export interface DsmCodeInfo {
  meaning: string;
  /** What the user can do about it, when there is something better than "check the DSM logs". */
  next?: string;
}

export type ErrorScope = 'common' | 'auth' | 'vmm';

export const AUTH_API = 'SYNO.API.Auth';

/** 106 (timeout), 107 (kicked by a duplicate login) and 119 (SID not found): log in again and repeat once. */
export const SESSION_EXPIRED_CODES: ReadonlySet<number> = new Set([106, 107, 119]);

export const COMMON_ERRORS: Readonly<Record<number, DsmCodeInfo>> = {
  101: {
    meaning: 'No parameter of API, method or version.',
    next: 'This is a client bug: report it with the call that failed.',
  },
  102: {
    meaning: 'The requested API does not exist.',
    next: 'Check that Virtual Machine Manager is installed and running on this DSM, and that VMM_URL points at DSM itself.',
  },
  103: {
    meaning: 'The requested method does not exist.',
    next: 'This DSM or Virtual Machine Manager version does not offer the method; update Virtual Machine Manager.',
  },
  104: {
    meaning: 'The requested version does not support the function.',
    next: 'Update DSM and Virtual Machine Manager, or report the DSM version with this error.',
  },
  105: {
    meaning: 'The login session does not have permission.',
    next: 'Use an account in the administrators group, or grant this account access to Virtual Machine Manager.',
  },
  106: {
    meaning: 'Session timeout.',
    next: 'The client logs in again by itself; if this persists, check the DSM session settings.',
  },
  107: {
    meaning: 'Session interrupted by a duplicate login.',
    next: 'Another login with the same session name replaced this one; give each process its own session name.',
  },
  119: {
    meaning: 'Session id not found (the session expired or was logged out).',
    next: 'The client logs in again by itself; if this persists, check the DSM session settings.',
  },
};

export const AUTH_ERRORS: Readonly<Record<number, DsmCodeInfo>> = {
  400: {
    meaning: 'No such account or incorrect password.',
    next: 'Check VMM_USERNAME and VMM_PASSWORD (or VMM_PASSWORD_FILE).',
  },
  401: {
    meaning: 'Account disabled.',
    next: 'Enable the account in DSM Control Panel > User, or use another account.',
  },
  402: {
    meaning: 'Permission denied.',
    next: 'The account may not sign in from here (DSM application privileges or IP rules); use an administrator account.',
  },
  403: {
    meaning: '2-step verification code required.',
    next: 'Set VMM_OTP_SECRET (the base32 secret of the account\'s authenticator) or VMM_DEVICE_ID (a trusted device token).',
  },
  404: {
    meaning: 'Failed to authenticate 2-step verification code.',
    next:
      'Check VMM_OTP_SECRET and this machine\'s clock (codes change every 30 s). DSM accepts each code once: ' +
      'if another client with the same secret just logged in, try again in 30 s.',
  },
  406: {
    meaning: '2-step verification is enforced for this account, but the account has not set it up yet.',
    next: 'Sign in to DSM once in a browser as this account and set up 2-step verification, then set VMM_OTP_SECRET to its secret.',
  },
  407: {
    meaning: 'Login blocked: this IP address is on DSM\'s block list (too many failed logins).',
    next: 'Unblock the address in DSM Control Panel > Security > Protection (Allow/Block List), then check the password before trying again.',
  },
  408: {
    meaning: 'The password has expired and this account may not change it.',
    next: 'Ask a DSM administrator to set a new password for the account, then update VMM_PASSWORD (or VMM_PASSWORD_FILE).',
  },
  409: {
    meaning: 'The password has expired.',
    next: 'Sign in to DSM in a browser as this account to choose a new password, then update VMM_PASSWORD (or VMM_PASSWORD_FILE).',
  },
  410: {
    meaning: 'The password must be changed before this account can sign in.',
    next: 'Sign in to DSM in a browser as this account to change the password, then update VMM_PASSWORD (or VMM_PASSWORD_FILE).',
  },
};

const PICK_ANOTHER_HOST = 'pick another host, or power off another VM on this host';

export const VMM_ERRORS: Readonly<Record<number, DsmCodeInfo>> = {
  401: {
    meaning: 'Bad parameter.',
    next: 'Check the arguments; DSM rejects parameters it does not expect (for example CPU or RAM on create).',
  },
  402: { meaning: 'Operation failed.', next: 'Check Virtual Machine Manager\'s log in DSM for the reason.' },
  403: { meaning: 'Name conflict.', next: 'Choose a name no other VM or image uses.' },
  404: {
    meaning: 'The number of iSCSI LUNs has reached the system limit (each vDisk is an iSCSI LUN).',
    next: 'Delete unused vDisks or VMs, or use fewer disks.',
  },
  500: {
    meaning: 'The cluster is frozen: more than half of the hosts are offline.',
    next: 'Bring the offline hosts back online first.',
  },
  501: {
    meaning: 'The cluster is in incompatible mode.',
    next: 'Upgrade every host to a compatible DSM version and try again.',
  },
  600: { meaning: 'The cluster is not ready.', next: 'Wait a minute for the cluster to settle, then try again.' },
  601: { meaning: 'The host is offline.', next: 'Pick another host, or bring this host back online.' },
  700: {
    meaning: 'The storage is invalid.',
    next: 'Pick another storage, or check this storage\'s health in Virtual Machine Manager.',
  },
  900: {
    meaning: 'Failed to set a host to the virtual machine.',
    next: 'Pick another host, or let the cluster choose one.',
  },
  901: { meaning: 'The virtual machine does not have a host.', next: 'Power it on with an explicit host.' },
  902: {
    meaning: 'Failed to power on the virtual machine due to insufficient CPU threads.',
    next: `Lower vcpus, ${PICK_ANOTHER_HOST}.`,
  },
  903: {
    meaning: 'Failed to power on the virtual machine due to insufficient memory.',
    next: `Insufficient memory on the host: ${PICK_ANOTHER_HOST}, or lower ram_mb.`,
  },
  904: {
    meaning: 'The virtual machine is online (already running).',
    next: 'Nothing to do if you wanted it running; shut it down first for changes that need it off.',
  },
  905: { meaning: 'MAC address conflict.', next: 'Give the vNIC another MAC address, or let DSM generate one.' },
  906: {
    meaning: 'Failed to create the virtual machine because the selected image was not found.',
    next: 'List images and pick one that exists on the chosen storage.',
  },
  907: {
    meaning: 'The virtual machine is offline.',
    next: 'Power it on first, or use an operation meant for a stopped VM.',
  },
  908: {
    meaning: 'Failed to power on the virtual machine due to insufficient CPU threads for reservation on the host.',
    next: `Lower the CPU reservation or vcpus, ${PICK_ANOTHER_HOST}.`,
  },
  909: {
    meaning: 'Failed to power on the virtual machine because the host has no corresponding network.',
    next: 'Pick a host that is attached to the VM\'s network, or change the VM\'s network.',
  },
  910: {
    meaning: 'Only the VirtIO hard disk controller can be used to boot the virtual machine remotely.',
    next: 'Switch the boot disk to VirtIO, or power it on on its own host.',
  },
  911: {
    meaning: 'Virtual machines with UEFI enabled cannot be powered on remotely.',
    next: 'Power it on on its own host.',
  },
  1000: {
    meaning: 'Cannot find the task id (unknown, or finished and already cleaned up).',
    next: 'List tasks, or check the resulting VM or image directly.',
  },
  1001: {
    meaning: 'Virtual Machine Manager Pro is needed.',
    next: 'Activate a Virtual Machine Manager Pro license on this cluster.',
  },
  1400: {
    meaning: 'The image was only partly created.',
    next: 'Check the image\'s storages; delete and recreate it if a storage is missing it.',
  },
  1600: {
    meaning: 'The virtual machine was edited, but reserving memory or CPU on the HA hosts failed.',
    next: 'The change is saved; check the HA hosts\' free memory and CPU.',
  },
};

export function scopeOf(api: string): ErrorScope {
  if (api === AUTH_API) return 'auth';
  if (api.startsWith('SYNO.Virtualization.')) return 'vmm';
  return 'common';
}

/** The meaning of `code` when `api` returns it; scoped codes win over common ones. */
export function lookupDsmError(code: number, api: string): (DsmCodeInfo & { scope: ErrorScope }) | undefined {
  const scope = scopeOf(api);
  const scoped = scope === 'auth' ? AUTH_ERRORS[code] : scope === 'vmm' ? VMM_ERRORS[code] : undefined;
  if (scoped !== undefined) return { ...scoped, scope };
  const common = COMMON_ERRORS[code];
  return common === undefined ? undefined : { ...common, scope: 'common' };
}

/**
 * `error.errors` as readable strings. DSM sends objects, arrays or strings there; secret-named fields
 * (the 403 login answer carries a `token`) are left out.
 */
export function flattenErrorDetails(errors: unknown): string[] {
  const out: string[] = [];
  const visit = (value: unknown, label: string | undefined): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, label);
      return;
    }
    if (typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (!isSecretKey(key)) visit(item, key);
      }
      return;
    }
    const text = String(value);
    out.push(label === undefined ? text : `${label}: ${text}`);
  };
  visit(errors, undefined);
  return out;
}

/** The OperationError for a `success: false` answer. Login refusals (400-410 of SYNO.API.Auth) are kind 'auth'. */
export function dsmError(code: number, api: string, method: string, errors: unknown): OperationError {
  const info = lookupDsmError(code, api);
  const details = flattenErrorDetails(errors);
  const meaning = info?.meaning ?? 'Unknown error code.';
  const detailText = details.length > 0 ? ` Details: ${details.join('; ')}.` : '';
  const dsm: DsmErrorDetail = { code, api, method, meaning, details };
  const kind: ErrorKind = info?.scope === 'auth' ? 'auth' : 'backend';
  const message =
    info === undefined
      ? `DSM answered ${api} ${method} with error ${code}, a code this client does not know.${detailText}`
      : `DSM answered ${api} ${method} with error ${code}: ${meaning}${detailText}`;
  const next = info?.next ?? 'Check the DSM log (Log Center) and Virtual Machine Manager\'s log for what went wrong.';
  return new OperationError(kind, message, { dsm, next });
}
