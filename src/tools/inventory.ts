import { z } from 'zod';
import { defineTool, type ToolDefinition } from './define.js';
import { hostView, networkView, storageView, toHostView, toNetworkView, toStorageView } from './views.js';

const listHosts = defineTool({
  name: 'list_hosts',
  title: 'List hosts',
  description: 'List hosts with status and free/total CPU threads and RAM (MiB).',
  effect: 'read',
  needs: ['hosts'],
  input: z.object({}),
  output: z.object({ hosts: z.array(hostView) }),
  async run(_args, ctx) {
    return { hosts: (await ctx.vmm.listHosts(ctx)).map(toHostView) };
  },
});

const listStorages = defineTool({
  name: 'list_storages',
  title: 'List storages',
  description: 'List storages with status, host and size/used/free in GiB.',
  effect: 'read',
  needs: ['storages'],
  input: z.object({}),
  output: z.object({ storages: z.array(storageView) }),
  async run(_args, ctx) {
    return { storages: (await ctx.vmm.listStorages(ctx)).map(toStorageView) };
  },
});

const listNetworks = defineTool({
  name: 'list_networks',
  title: 'List networks',
  description: 'List the virtual networks a VM NIC can attach to.',
  effect: 'read',
  needs: ['networks'],
  input: z.object({}),
  output: z.object({ networks: z.array(networkView) }),
  async run(_args, ctx) {
    return { networks: (await ctx.vmm.listNetworks(ctx)).map(toNetworkView) };
  },
});

export const INVENTORY_TOOLS: readonly ToolDefinition[] = [listHosts, listStorages, listNetworks];
