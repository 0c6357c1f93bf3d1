import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TargetRuntime } from '../tools/define.js';
import { toVmDetails } from '../tools/views.js';
import type { Vmm } from '../vmm/operations.js';
import { readOrExplain } from './json.js';

/** Resource listings stay small whatever the cluster's size; list_vms pages through the rest. */
const LISTED_VMS = 100;
const COMPLETIONS = 50;

/** VM names starting with `prefix` (case-insensitive), for argument completion. */
export async function completeVmNames(vmm: Vmm, prefix: string): Promise<string[]> {
  // A glob so the listing filters by prefix before it pages; the backend matches case-insensitively.
  const page = await vmm.listVms({ name: `${prefix}*` }, { limit: COMPLETIONS, offset: 0 });
  return page.items.map((vm) => vm.name);
}

/** vmm://vms/{vm}: one VM's details, by id or exact name. */
export function registerVmResource(server: McpServer, target: TargetRuntime): void {
  const { vmm } = target;
  const template = new ResourceTemplate('vmm://vms/{vm}', {
    list: async (extra) => {
      const page = await vmm.listVms({}, { limit: LISTED_VMS, offset: 0 }, extra);
      return {
        resources: page.items.map((vm) => ({
          uri: `vmm://vms/${encodeURIComponent(vm.name)}`,
          name: vm.name,
          title: `VM ${vm.name}`,
          description: `${vm.status}, ${vm.vcpus} vCPU, ${vm.ram_mb} MiB`,
          mimeType: 'application/json',
        })),
      };
    },
    complete: { vm: (value) => completeVmNames(vmm, value) },
  });
  server.registerResource(
    'vm',
    template,
    {
      title: 'Virtual machine',
      description: 'Details of one VM (id or exact name): disks in GiB, NICs, host, storage, autorun, description.',
      mimeType: 'application/json',
    },
    (uri, variables, extra) =>
      readOrExplain(uri, async () => {
        const ref = decodeURIComponent(String(variables.vm));
        return { vm: toVmDetails(await vmm.getVm(ref, extra)) };
      }),
  );
}
