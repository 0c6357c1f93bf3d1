import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TargetRuntime } from '../tools/define.js';
import { pageInfo, toHostView, toImageView, toNetworkView, toStorageView, toVmTable } from '../tools/views.js';
import type { CallContext } from '../vmm/backend.js';
import type { Vmm } from '../vmm/operations.js';
import { readOrExplain } from './json.js';

const FIRST_PAGE = { limit: 50, offset: 0 };
const IMAGE_PAGE = { limit: 200, offset: 0 };

export interface InventoryDocument {
  title: string;
  description: string;
  read(vmm: Vmm, ctx: CallContext): Promise<Record<string, unknown>>;
}

/** The cluster's inventory as JSON documents, the same rows the list tools give, by the name in their URI. */
export const INVENTORY_DOCUMENTS = {
  hosts: {
    title: 'Hosts',
    description: 'Hosts with status and free/total CPU threads and RAM (MiB).',
    read: async (vmm, ctx) => ({ hosts: (await vmm.listHosts(ctx)).map(toHostView) }),
  },
  storages: {
    title: 'Storages',
    description: 'Storages with status, host and size/used/free in GiB.',
    read: async (vmm, ctx) => ({ storages: (await vmm.listStorages(ctx)).map(toStorageView) }),
  },
  networks: {
    title: 'Networks',
    description: 'Virtual networks a VM NIC can attach to.',
    read: async (vmm, ctx) => ({ networks: (await vmm.listNetworks(ctx)).map(toNetworkView) }),
  },
  images: {
    title: 'Images',
    description: `Images with type, size and storages (first ${IMAGE_PAGE.limit}; list_images pages through all).`,
    read: async (vmm, ctx) => {
      const page = await vmm.listImages(IMAGE_PAGE, ctx);
      return { images: page.items.map(toImageView), ...pageInfo(page, IMAGE_PAGE) };
    },
  },
  vms: {
    title: 'Virtual machines',
    description: `First ${FIRST_PAGE.limit} VMs as rows of [name, status, vcpus, ram_mb, host]; list_vms filters and pages through all.`,
    read: async (vmm, ctx) => {
      const page = await vmm.listVms({}, FIRST_PAGE, ctx);
      return { ...toVmTable(page.items), ...pageInfo(page, FIRST_PAGE) };
    },
  },
} satisfies Record<string, InventoryDocument>;

export type InventoryName = keyof typeof INVENTORY_DOCUMENTS;
export const INVENTORY_NAMES = Object.keys(INVENTORY_DOCUMENTS) as InventoryName[];

/** vmm://hosts, vmm://storages, vmm://networks, vmm://images and vmm://vms, read from the default target. */
export function registerInventoryResources(server: McpServer, target: TargetRuntime): void {
  for (const name of INVENTORY_NAMES) {
    const document: InventoryDocument = INVENTORY_DOCUMENTS[name];
    server.registerResource(
      name,
      `vmm://${name}`,
      { mimeType: 'application/json', title: document.title, description: document.description },
      (uri, extra) => readOrExplain(uri, () => document.read(target.vmm, extra)),
    );
  }
}
