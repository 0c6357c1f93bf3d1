import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { completeVmNames } from '../resources/index.js';
import { numberSlot, suggestCall } from './calls.js';
import type { PromptTargets } from './targets.js';

/** Why a VM does not start, in one or two calls: its state, then the power-on, whose failure tells why. */
export function registerDiagnosePrompt(server: McpServer, targets: PromptTargets): void {
  server.registerPrompt(
    'diagnose_vm_start',
    {
      title: 'Diagnose a VM that will not start',
      description: 'Find out why a VM does not start (state, host capacity, storage, tasks) and fix what can be fixed safely.',
      argsSchema: {
        vm: completable(z.string().describe('The VM (name or id) that does not start.'), (value, context) =>
          completeVmNames(targets.vmmFor(context), value),
        ),
        ...targets.argument(),
      },
    },
    (args) => {
      const { vm } = args;
      const target = targets.callTarget(args);
      const text = [
        ...targets.instruction(args),
        `The VM "${vm}" will not start. Find out why, step by step, and explain it to the user.`,
        '',
        `1. ${suggestCall('get_vm', { vm }, target)}: note its status, vcpus, ram_mb, host and storage.`,
        '   - running: it is already up; the problem is inside the guest (network, boot). Say so and stop here.',
        `   - booting / shutting_down / moving / creating / importing / preparing: it is busy; ${suggestCall('list_tasks', {}, target)} `
          + 'shows what runs; wait for it (wait_task) before anything else.',
        `   - inaccessible or crashed: its storage or host is in trouble; ${suggestCall('list_storages', {}, target)} and `
          + `${suggestCall('list_hosts', {}, target)} show their status. Report it; do not try to start it.`,
        `2. If it is stopped: ${suggestCall('power_on', { vm, wait: true }, target)}. It starts the VM where there is room.`,
        '3. If power_on fails, its error is the diagnosis: for lack of memory (903) or CPU threads (902, 908) it names the host tried '
          + 'and its free figures, the hosts with room, or, when no host has room, every host\'s free CPU and RAM and the largest size that fits. '
          + 'Do not retry blindly. Offer the user the options it names: power_on with a host that has room; shut down other VMs; '
          + `or make the VM smaller while it is stopped: ${suggestCall('update_vm', { vm, vcpus: numberSlot('vcpus'), ram_mb: numberSlot('ram_mb') }, target)} `
          + 'with the numbers the user picks (at most the largest size that fits), then power_on again.',
        'Never use power_off or delete_vm while diagnosing unless the user asks for it.',
      ].join('\n');
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
