import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TargetRuntime } from '../tools/define.js';
import { pageInfo, toHostView, toImageView, toNetworkView, toStorageView, toVmRow } from '../tools/views.js';
import { readOrExplain } from './json.js';

const FIRST_PAGE = { limit: 50, offset: 0 };
const IMAGE_PAGE = { limit: 200, offset: 0 };

/** The cluster's inventory as JSON documents, the same rows the list tools give. */
export function registerInventoryResources(server: McpServer, target: TargetRuntime): void {
  const { vmm } = target;
  const json = { mimeType: 'application/json' };
  server.registerResource(
    'hosts',
    'vmm://hosts',
    { ...json, title: 'Hosts', description: 'Hosts with status and free/total CPU threads and RAM (MiB).' },
    (uri, extra) => readOrExplain(uri, async () => ({ hosts: (await vmm.listHosts(extra)).map(toHostView) })),
  );
  server.registerResource(
    'storages',
    'vmm://storages',
    { ...json, title: 'Storages', description: 'Storages with status, host and size/used/free in GiB.' },
    (uri, extra) => readOrExplain(uri, async () => ({ storages: (await vmm.listStorages(extra)).map(toStorageView) })),
  );
  server.registerResource(
    'networks',
    'vmm://networks',
    { ...json, title: 'Networks', description: 'Virtual networks a VM NIC can attach to.' },
    (uri, extra) => readOrExplain(uri, async () => ({ networks: (await vmm.listNetworks(extra)).map(toNetworkView) })),
  );
  server.registerResource(
    'images',
    'vmm://images',
    { ...json, title: 'Images', description: `Images with type, size and storages (first ${IMAGE_PAGE.limit}; list_images pages through all).` },
    (uri, extra) =>
      readOrExplain(uri, async () => {
        const page = await vmm.listImages(IMAGE_PAGE, extra);
        return { images: page.items.map(toImageView), ...pageInfo(page, IMAGE_PAGE) };
      }),
  );
  server.registerResource(
    'vms',
    'vmm://vms',
    { ...json, title: 'Virtual machines', description: `First ${FIRST_PAGE.limit} VMs as compact rows; list_vms filters and pages through all.` },
    (uri, extra) =>
      readOrExplain(uri, async () => {
        const page = await vmm.listVms({}, FIRST_PAGE, extra);
        return { vms: page.items.map(toVmRow), ...pageInfo(page, FIRST_PAGE) };
      }),
  );
}
