import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { numberSlot, suggestCall } from './calls.js';
import { completeDiskImages, completeNetworks, completeStorages } from './completions.js';
import type { PromptTargets } from './targets.js';

/** Provisioning in one call: the sizes from the user, the create, then what to read in its result. */
export function registerProvisionPrompt(server: McpServer, targets: PromptTargets): void {
  server.registerPrompt(
    'provision_vm_from_image',
    {
      title: 'Provision a VM from an image',
      description: 'Create a VM from a disk image in one call, with the right storage, network and size.',
      argsSchema: {
        name: z.string().describe('Name of the new VM.'),
        image: completable(z.string().describe('Disk image (name or id) to clone.'), (value, context) =>
          completeDiskImages(targets.vmmFor(context), value),
        ),
        storage: completable(z.string().optional().describe('Storage for the VM (default: the one holding the image with the most free space).'), (value, context) =>
          completeStorages(targets.vmmFor(context), value ?? ''),
        ),
        network: completable(z.string().optional().describe('Network for the VM (default: the default network, else the only one).'), (value, context) =>
          completeNetworks(targets.vmmFor(context), value ?? ''),
        ),
        ...targets.argument(),
      },
    },
    (args) => {
      const { name, image, storage, network } = args;
      const target = targets.callTarget(args);
      const given = {
        ...(storage === undefined || storage === '' ? {} : { storage }),
        ...(network === undefined || network === '' ? {} : { network }),
      };
      const placement = Object.entries(given).map(([argument, value]) => `${argument} "${value}"`);
      const create = suggestCall(
        'create_vm_from_image',
        { name, image, ...given, vcpus: numberSlot('vcpus'), ram_mb: numberSlot('ram_mb'), power_on: true },
        target,
      );
      const leftOut = ['storage', 'network'].filter((argument) => !(argument in given));
      const steps = [
        'If the user did not say how many vcpus and how much ram_mb (MiB) the VM gets, ask them. '
          + `${suggestCall('list_hosts', {}, target)} shows each host's free cpu_threads and ram_mb, if they want to know what fits.`,
        `Create it in one call: ${create}, with <vcpus> and <ram_mb> replaced by those numbers. `
          + 'It refuses a name another VM has, before creating anything; it waits for the virtualization manager, then sets CPU/RAM and powers on.'
          + (leftOut.length === 0
            ? ''
            : ` ${leftOut.join(' and ')} ${leftOut.length === 1 ? 'is' : 'are'} left out on purpose: the server picks `
              + "the image's storage with the most free space and the default network, and says what it chose in chosen; "
              + 'if it cannot choose, its error lists the candidates: ask the user which one, and add it to the call.'),
        'Read the result: status "done" means finished; "incomplete" lists in remaining the steps still to do (update_vm, power_on); '
          + '"not_finished" gives a task_id to follow with wait_task. An error says what failed and what to change.',
        `Tell the user what was made: name, status, host, and the storage and network chosen. ${suggestCall('get_vm', { vm: name }, target)} has the details if they ask.`,
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
