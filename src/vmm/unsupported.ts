import { OperationError } from '../errors.js';
import type { Capability } from './backend.js';

/**
 * The one place that says what a missing capability means and what to do instead, so the backend
 * (when called anyway) and the operations layer (when checking first) give the same answer.
 */

const STYLE_NAMES: Record<string, string> = {
  'dsm-official': 'the official SYNO.Virtualization.API.* family (dsm-official)',
  'dsm-compact': 'the compact SYNO.Virtualization.Guest/Image API (dsm-compact)',
  'dsm-internal': "DSM 7's internal SYNO.Virtualization.Guest API (dsm-internal)",
};

const WHAT: Record<Capability, string> = {
  create_vm: 'creating virtual machines',
  create_image_from_file: 'creating images from a file on the NAS',
  create_image_from_vm: 'creating images from an existing VM',
  hosts: 'listing hosts',
  storages: 'listing storages',
  networks: 'listing networks',
  tasks: 'reading background tasks',
};

const INSTEAD: Record<Capability, string> = {
  create_vm:
    "create the VM in Virtual Machine Manager's web UI (Virtual Machine > Create or Import), then manage it here with power_on, update_vm and shutdown",
  create_image_from_file:
    "create the image from an existing VM instead (source 'vm'), or import the file in Virtual Machine Manager's web UI (Image > Add)",
  create_image_from_vm:
    "create the image from a disk file on the NAS instead (source 'file' with ds_file_path), or use Virtual Machine Manager's web UI",
  hosts: 'omit the host argument; the cluster picks a host itself',
  storages: 'name the storage by its id as shown in Virtual Machine Manager',
  networks: 'name the network by its id as shown in Virtual Machine Manager',
  tasks: 'check the result with list_vms or list_images instead',
};

export function describeStyle(style: string): string {
  return STYLE_NAMES[style] ?? style;
}

export function unsupported(capability: Capability, style: string): OperationError {
  return new OperationError('unsupported', `This DSM speaks ${describeStyle(style)}, which offers no ${WHAT[capability]}`, {
    next: INSTEAD[capability],
  });
}
