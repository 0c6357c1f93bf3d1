import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { completeDiskImages, completeNetworks, completeStorages } from './completions.js';
import type { PromptTargets } from './targets.js';

/** A walk through provisioning: check the image and capacity, create in one call, verify. */
export function registerProvisionPrompt(server: McpServer, targets: PromptTargets): void {
  server.registerPrompt(
    'provision_vm_from_image',
    {
      title: 'Provision a VM from an image',
      description: 'Create a VM from a disk image with the right storage, network and size, checking capacity first.',
      argsSchema: {
        name: z.string().describe('Name of the new VM.'),
        image: completable(z.string().describe('Disk image (name or id) to clone.'), (value, context) =>
          completeDiskImages(targets.vmmFor(context), value),
        ),
        storage: completable(z.string().optional().describe('Storage for the VM (default: the obvious one).'), (value, context) =>
          completeStorages(targets.vmmFor(context), value ?? ''),
        ),
        network: completable(z.string().optional().describe('Network for the VM (default: the only one).'), (value, context) =>
          completeNetworks(targets.vmmFor(context), value ?? ''),
        ),
        ...targets.argument(),
      },
    },
    (args) => {
      const { name, image, storage, network } = args;
      const placement = [
        storage === undefined || storage === '' ? undefined : `storage "${storage}"`,
        network === undefined || network === '' ? undefined : `network "${network}"`,
      ].filter((part) => part !== undefined);
      const createArgs = JSON.stringify({
        name,
        image,
        ...(storage ? { storage } : {}),
        ...(network ? { network } : {}),
        vcpus: '<vcpus>',
        ram_mb: '<ram_mb>',
        power_on: true,
      });
      const steps = [
        `Call list_vms with name "${name}" to make sure no VM of that name exists; if one does, stop and ask the user.`,
        `Call list_images and check that "${image}" exists and has type "disk" (only disk images can be cloned). Note the storages holding it.`,
        'Call list_storages (free_gb) and list_hosts (free ram_mb and cpu_threads) to check there is room. '
          + 'Ask the user for vcpus and ram_mb if they did not say; keep ram_mb below the free RAM of a host.',
        ...(network ? [] : ['Call list_networks if you need to pick a network (it can be omitted when only one exists).']),
        `Call create_vm_from_image with ${createArgs} (fill in vcpus and ram_mb). It waits for DSM to finish, then sets CPU/RAM and powers on.`,
        'Read the result: status "done" means finished; "incomplete" lists the steps in remaining to do with update_vm or power_on; '
          + '"not_finished" gives a task_id to follow with wait_task. An error names the DSM code and what to change.',
        `Call get_vm with vm "${name}" and report its status, host, disks and network to the user.`,
      ];
      const text = [
        ...targets.instruction(args),
        `Provision a new VM named "${name}" from the disk image "${image}"${placement.length > 0 ? ` on ${placement.join(' and ')}` : ''}.`,
        '',
        'Steps:',
        ...steps.map((step, index) => `${index + 1}. ${step}`),
      ].join('\n');
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
