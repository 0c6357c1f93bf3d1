import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Variables } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { OperationError } from '../errors.js';
import type { TargetRuntime } from '../tools/define.js';
import { completeVmNames, startingWith } from './completion.js';
import { INVENTORY_DOCUMENTS, INVENTORY_NAMES, type InventoryName } from './inventory.js';
import { readOrExplain } from './json.js';
import { VM_RESOURCE, readVm } from './vm.js';

/**
 * With several targets, each one's resources live under vmm://targets/{target}/: the same inventory
 * documents (hosts, storages, networks, images, vms) and vms/{vm}. The plain vmm:// URIs stay the
 * default target's. Listing them costs no DSM request, so a target that is down breaks no listing.
 */
export function registerTargetResources(server: McpServer, targets: readonly TargetRuntime[]): void {
  if (targets.length < 2) return;
  const names = targets.map((target) => target.name);
  const completeTarget = (value: string): string[] => startingWith(value, names);

  const inventory = new ResourceTemplate('vmm://targets/{target}/{inventory}', {
    list: () => ({
      resources: targets.flatMap((target) =>
        INVENTORY_NAMES.map((name) => ({
          uri: `vmm://targets/${encodeURIComponent(target.name)}/${name}`,
          name: `${target.name}/${name}`,
          title: `${INVENTORY_DOCUMENTS[name].title} on ${target.name}`,
          mimeType: 'application/json',
        })),
      ),
    }),
    complete: { target: completeTarget, inventory: (value) => startingWith(value, INVENTORY_NAMES) },
  });
  server.registerResource(
    'target-inventory',
    inventory,
    {
      title: 'Inventory of one target',
      description: `One target's ${INVENTORY_NAMES.join(', ')}, as the vmm:// resources of the same name give them for the default target.`,
      mimeType: 'application/json',
    },
    (uri, variables, extra) =>
      readOrExplain(uri, async () => {
        const document = INVENTORY_DOCUMENTS[inventoryNamed(String(variables.inventory))];
        return document.read(targetNamed(variables, targets).vmm, extra);
      }),
  );

  const vm = new ResourceTemplate('vmm://targets/{target}/vms/{vm}', {
    list: undefined,
    complete: {
      target: completeTarget,
      vm: async (value, context) => {
        const target = targets.find((candidate) => candidate.name === context?.arguments?.target);
        return target === undefined ? [] : completeVmNames(target.vmm, value);
      },
    },
  });
  server.registerResource(
    'target-vm',
    vm,
    { ...VM_RESOURCE, title: 'Virtual machine on one target' },
    (uri, variables, extra) => readOrExplain(uri, () => readVm(targetNamed(variables, targets).vmm, variables, extra)),
  );
}

function targetNamed(variables: Variables, targets: readonly TargetRuntime[]): TargetRuntime {
  const name = decodeURIComponent(String(variables.target));
  const found = targets.find((target) => target.name === name);
  if (found !== undefined) return found;
  throw new OperationError('not_found', `No target is named "${name}"`, {
    next: `use one of: ${targets.map((target) => target.name).join(', ')}`,
  });
}

function inventoryNamed(name: string): InventoryName {
  const found = INVENTORY_NAMES.find((candidate) => candidate === name);
  if (found !== undefined) return found;
  throw new OperationError('not_found', `There is no inventory document "${name}"`, { next: `use one of: ${INVENTORY_NAMES.join(', ')}` });
}
