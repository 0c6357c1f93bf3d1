import { OperationError } from '../errors.js';
import type { Capability } from './backend.js';

/**
 * The one wording of a missing capability, so every backend (when called anyway) and the operations
 * layer (when checking first) give the same kind of answer. What to do instead is the provider's to say.
 */

const WHAT: Record<Capability, string> = {
  create_vm: 'creating virtual machines',
  create_vm_from_image: 'creating virtual machines from an image',
  create_image_from_file: 'creating images from a file on the NAS',
  create_image_from_url: 'creating images from a URL',
  create_image_from_vm: 'creating images from an existing VM',
  reboot: 'rebooting virtual machines',
  update_image: 'renaming or describing images',
  copy_image: 'copying images to another place',
  regions: 'regions',
  image_status: 'status on images',
  hosts: 'listing hosts',
  storages: 'listing storages',
  networks: 'listing networks',
  tasks: 'reading background tasks',
};

/** `speaker` says which system answers ("This DSM speaks ..."); `instead` is the way around it, when there is one. */
export function unsupportedCapability(capability: Capability, speaker: string, instead: string | undefined): OperationError {
  return new OperationError('unsupported', `${speaker}, which offers no ${WHAT[capability]}`, instead === undefined ? {} : { next: instead });
}
