import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { completeVmNames } from '../resources/index.js';
import type { PromptTargets } from './targets.js';

/** A walk through the usual reasons a VM does not start, from cheapest check to the power-on itself. */
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
      const text = [
        ...targets.instruction(args),
        `The VM "${vm}" will not start. Find out why, step by step, and explain it to the user.`,
        '',
        `1. Call get_vm with vm "${vm}". Note status, vcpus, ram_mb, host, storage and disks.`,
        '   - running: it is already up; the problem is inside the guest (network, boot). Say so.',
        '   - booting / shutting_down / moving / creating / importing / preparing: it is busy; call list_tasks and wait (wait_task) before anything else.',
        '   - inaccessible or crashed: its storage or host is in trouble; go on with step 3.',
        '2. Call list_hosts. Compare the VM\'s ram_mb and vcpus with each host\'s free ram_mb and cpu_threads. '
          + 'If no host has room, the user must stop other VMs or lower ram_mb/vcpus (update_vm, only while the VM is stopped).',
        '3. Call list_storages and check the VM\'s storage is healthy (status) and not full (free_gb).',
        `4. If everything looks fine, call power_on with vm "${vm}" and wait: true (pass host to pick one with room).`,
        '5. If power_on fails, read the error: it names the DSM code and meaning (903 insufficient memory, 902/908 not enough CPU threads, '
          + '904 already running) and what to do next. Do not retry blindly; report the cause and the options to the user.',
        'Never use power_off or delete_vm while diagnosing unless the user asks for it.',
      ].join('\n');
      return { messages: [{ role: 'user', content: { type: 'text', text } }] };
    },
  );
}
