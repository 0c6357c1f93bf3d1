import type { Subject } from '../safety/guard.js';
import type { Image, Vm } from '../vmm/model.js';
import { gib } from './views.js';

/** The facts a human needs to judge a change to a VM: shown in previews and confirmation forms. */
export function vmSubject(vm: Vm): Subject {
  return {
    kind: 'vm',
    id: vm.id,
    name: vm.name,
    status: vm.status,
    facts: {
      status: vm.status,
      host: vm.host?.name,
      vcpus: vm.vcpus,
      ram_mb: vm.ram_mb,
      disks: vm.disks.map((disk) => `${gib(disk.size_mb)} GiB`),
      storage: vm.storage?.name,
    },
  };
}

export function imageSubject(image: Image): Subject {
  return {
    kind: 'image',
    id: image.id,
    name: image.name,
    facts: {
      type: image.type,
      size_gb: image.size_mb === undefined ? undefined : gib(image.size_mb),
      storages: image.storages.map((storage) => storage.name),
    },
  };
}

/** "1 disk", "2 disks" */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** "2 disks, 60 GiB in all" */
export function describeDisks(vm: Vm): string {
  const total = gib(vm.disks.reduce((sum, disk) => sum + disk.size_mb, 0));
  if (vm.disks.length === 0) return 'no disks';
  return `${count(vm.disks.length, 'disk')}, ${total} GiB in all`;
}
