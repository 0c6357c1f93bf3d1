import { startingWith } from '../resources/index.js';
import type { Vmm } from '../vmm/operations.js';

const IMAGE_SCAN = { limit: 200, offset: 0 };

/** Disk images only: the other types cannot be cloned into a VM. */
export async function completeDiskImages(vmm: Vmm, prefix: string): Promise<string[]> {
  const page = await vmm.listImages(IMAGE_SCAN);
  return startingWith(prefix, page.items.filter((image) => image.type === 'disk').map((image) => image.name));
}

export async function completeStorages(vmm: Vmm, prefix: string): Promise<string[]> {
  return startingWith(prefix, (await vmm.listStorages()).map((storage) => storage.name));
}

export async function completeNetworks(vmm: Vmm, prefix: string): Promise<string[]> {
  return startingWith(prefix, (await vmm.listNetworks()).map((network) => network.name));
}
