import type { SimImage, SimInstance } from './model.js';
import type { ResolvedOptions } from './options.js';
import type { WakameState } from './state.js';

/** Fills the state with the configured accounts, host nodes, images and instances (all settled, nothing in flight). */
export function buildInventory(state: WakameState, options: ResolvedOptions): void {
  const now = state.now();
  for (const account of options.accounts) state.accounts.set(account.id, { id: account.id, disabled: account.disabled === true });
  for (const node of options.hostNodes) state.hostNodes.push({ id: state.newId('hn'), ...node });
  for (const site of options.destinations) state.destinations.set(site.name, { name: site.name, alive: site.alive !== false, copies: [] });
  const byName = new Map<string, SimImage>();
  for (const spec of options.images) {
    const image: SimImage = {
      id: state.newId('wmi'),
      accountId: spec.account,
      displayName: spec.displayName,
      description: spec.description ?? '',
      arch: 'x86_64',
      state: spec.state ?? 'available',
      isPublic: spec.isPublic === true,
      fileFormat: 'qcow2',
      osType: spec.osType ?? 'linux',
      serviceType: 'std',
      parentImageId: null,
      backupObjectId: state.newId('bo'),
      createdAt: now,
      updatedAt: now,
      deletedAt: spec.state === 'deleted' ? now : null,
      steps: [],
    };
    state.images.set(image.id, image);
    byName.set(spec.displayName, image);
    if (!state.accounts.has(spec.account)) state.accounts.set(spec.account, { id: spec.account, disabled: false });
  }
  for (const spec of options.instances) {
    const image = byName.get(spec.image);
    if (image === undefined) throw new Error(`simulator inventory: instance ${spec.displayName} names unknown image ${spec.image}`);
    const cpuCores = spec.cpuCores ?? 1;
    const memoryMb = spec.memoryMb ?? 1024;
    const node = spec.state === 'stopped' ? undefined : state.placeFor('kvm', cpuCores, memoryMb);
    if (spec.state !== 'stopped' && node === undefined) throw new Error(`simulator inventory: no host node has room for ${spec.displayName}`);
    const instance: SimInstance = {
      id: state.newId('i'),
      accountId: spec.account,
      imageId: image.id,
      hostNodeId: node?.id ?? null,
      hypervisor: 'kvm',
      cpuCores,
      memoryMb,
      arch: image.arch,
      hostname: spec.displayName,
      displayName: spec.displayName,
      serviceType: 'std',
      state: spec.state,
      createdAt: now,
      terminatedAt: null,
      volumeId: state.newId('vol'),
      vifId: state.newId('vif'),
      networkId: 'nw-demo1',
      ipv4: `10.0.0.${10 + state.instances.size}`,
      steps: [],
      reboots: 0,
      poweroffs: [],
    };
    state.instances.set(instance.id, instance);
    if (!state.accounts.has(spec.account)) state.accounts.set(spec.account, { id: spec.account, disabled: false });
  }
}
