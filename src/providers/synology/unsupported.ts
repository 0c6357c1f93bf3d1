import type { OperationError } from '../../errors.js';
import type { Capability } from '../../vmm/backend.js';
import { unsupportedCapability } from '../../vmm/unsupported.js';

/** Display names of the DSM API styles, for messages. */
const DSM_STYLE_NAMES: Readonly<Record<string, string>> = {
  'dsm-official': 'the official SYNO.Virtualization.API.* family (dsm-official)',
  'dsm-compact': 'the compact SYNO.Virtualization.Guest/Image API (dsm-compact)',
  'dsm-internal': "DSM 7's internal SYNO.Virtualization.Guest API (dsm-internal)",
};

const INSTEAD: Partial<Record<Capability, string>> = {
  create_vm:
    "create the VM in Virtual Machine Manager's web UI (Virtual Machine > Create or Import), then manage it here with power_on, update_vm and shutdown",
  create_vm_from_image:
    "create the VM in Virtual Machine Manager's web UI (Virtual Machine > Create or Import), then manage it here with power_on, update_vm and shutdown",
  create_image_from_file:
    "create the image from an existing VM instead (source 'vm'), or import the file in Virtual Machine Manager's web UI (Image > Add)",
  create_image_from_url: "copy the file onto the NAS and create the image from it (ds_file_path), or use Virtual Machine Manager's web UI (Image > Add)",
  create_image_from_vm:
    "create the image from a disk file on the NAS instead (source 'file' with ds_file_path), or use Virtual Machine Manager's web UI",
  reboot: 'shut the VM down with shutdown (wait: true), then power it on again with power_on',
  update_image: "rename the image in Virtual Machine Manager's web UI (Image)",
  copy_image: "add the image to more storages in Virtual Machine Manager's web UI (Image > Edit)",
  image_status: 'an image being made shows as a task: follow it with list_tasks or wait_task',
  hosts: 'omit the host argument; the cluster picks a host itself',
  storages: 'name the storage by its id as shown in Virtual Machine Manager',
  networks: 'name the network by its id as shown in Virtual Machine Manager',
  tasks: 'check the result with list_vms or list_images instead',
};

export function describeStyle(style: string): string {
  return DSM_STYLE_NAMES[style] ?? style;
}

export function unsupported(capability: Capability, style: string): OperationError {
  return unsupportedCapability(capability, `This DSM speaks ${describeStyle(style)}`, INSTEAD[capability]);
}
