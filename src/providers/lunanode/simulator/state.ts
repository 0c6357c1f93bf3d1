/**
 * The fake LunaNode's account: regions, plans, VMs and images, with status changes driven by a clock
 * (a status is worked out when read, so no timers run). Field names and texts follow LunaNode's API:
 * ids and numbers as strings, `status` as panel HTML beside `status_nohtml` and `status_raw`.
 */

export const REGIONS: Readonly<Record<string, string>> = { toronto: 'Toronto, Canada', montreal: 'Montreal, Canada', roubaix: 'Roubaix, France' };

export interface SimPlan {
  plan_id: string;
  name: string;
  category: string;
  vcpu: number;
  ram: number;
  storage: number;
  bandwidth: number;
  /** Dollars per hour, as plan/list's `price`; the month is shown beside it. */
  hourly: number;
  monthly: number;
  regions: string[];
}

const EVERY_REGION = Object.keys(REGIONS);

export const PLANS: readonly SimPlan[] = [
  { plan_id: '1', name: 's.half', category: 'General Purpose', vcpu: 1, ram: 512, storage: 10, bandwidth: 500, hourly: 0.0034, monthly: 2.5, regions: ['toronto', 'montreal'] },
  { plan_id: '2', name: 's.1', category: 'General Purpose', vcpu: 1, ram: 1024, storage: 20, bandwidth: 1000, hourly: 0.0048, monthly: 3.5, regions: EVERY_REGION },
  { plan_id: '3', name: 's.2', category: 'General Purpose', vcpu: 2, ram: 2048, storage: 40, bandwidth: 2000, hourly: 0.0096, monthly: 7, regions: EVERY_REGION },
  { plan_id: '4', name: 'm.4', category: 'Memory-Optimized', vcpu: 4, ram: 4096, storage: 70, bandwidth: 3000, hourly: 0.0192, monthly: 14, regions: EVERY_REGION },
  { plan_id: '5', name: 'm.8', category: 'Memory-Optimized', vcpu: 4, ram: 8192, storage: 140, bandwidth: 4000, hourly: 0.0384, monthly: 28, regions: ['toronto'] },
];

type Phase = { word: string; raw: string; until?: number };

export interface SimVm {
  vm_id: string;
  name: string;
  hostname: string;
  plan_id: string;
  image_id: string;
  region: string;
  primaryip: string;
  privateip: string;
  /** The status now and the one it turns into at `until` (BUILD -> Online, Powering off -> Offline). */
  phase: Phase;
  next?: Phase;
  /** The initial root password, as vm/info shows it in login_details. */
  password: string;
}

export interface SimImage {
  image_id: string;
  name: string;
  region: string;
  /** queued -> saving -> active (or killed), by the clock. */
  created: number;
  fails: boolean;
  /** Public distribution images are active from the start. */
  ready: boolean;
  disk_format: string;
}

export interface Durations {
  /** BUILD to Online after vm/create; Powering off to Offline; rebooting. */
  buildMs: number;
  powerMs: number;
  /** queued, then saving, each this long, then active (or killed). */
  imageMs: number;
}

export class LunaNodeState {
  readonly vms = new Map<string, SimVm>();
  readonly images = new Map<string, SimImage>();
  private nextVm = 12100;
  private nextImage = 141100;
  private nextIp = 10;

  constructor(
    readonly durations: Durations,
    readonly now: () => number,
  ) {
    for (const region of Object.keys(REGIONS)) {
      this.addImage({ name: 'Ubuntu 24.04 64-bit', region, ready: true, disk_format: 'qcow2' });
      this.addImage({ name: 'Debian 12 64-bit', region, ready: true, disk_format: 'qcow2' });
    }
    this.addImage({ name: 'Arch Linux 2024-06-01 64-bit (ISO)', region: 'toronto', ready: true, disk_format: 'iso' });
    const ubuntu = [...this.images.values()].find((image) => image.region === 'toronto') as SimImage;
    for (const [name, plan, online] of [
      ['web-1', '2', true],
      ['db-1', '3', true],
      ['build-box', '2', false],
    ] as const) {
      const vm = this.addVm(name, plan, ubuntu.image_id, 'toronto');
      vm.phase = online ? { word: 'Online', raw: 'active' } : { word: 'Offline', raw: 'stopped' };
    }
  }

  addVm(hostname: string, planId: string, imageId: string, region: string): SimVm {
    const id = String(this.nextVm++);
    const ip = this.nextIp++;
    const vm: SimVm = {
      vm_id: id,
      name: hostname,
      hostname,
      plan_id: planId,
      image_id: imageId,
      region,
      primaryip: `203.0.113.${ip}`,
      privateip: `10.0.0.${ip}`,
      phase: { word: 'BUILD', raw: 'build', until: this.now() + this.durations.buildMs },
      next: { word: 'Online', raw: 'active' },
      password: `sim-root-${id}-Xq7`,
    };
    this.vms.set(id, vm);
    return vm;
  }

  addImage(spec: { name: string; region: string; ready: boolean; disk_format: string; fails?: boolean }): SimImage {
    const image: SimImage = { image_id: String(this.nextImage++), created: this.now(), fails: spec.fails ?? false, ...spec };
    this.images.set(image.image_id, image);
    return image;
  }

  /** The VM's phase now, after any change that was due. */
  phaseOf(vm: SimVm): Phase {
    if (vm.phase.until !== undefined && vm.next !== undefined && this.now() >= vm.phase.until) {
      vm.phase = vm.next;
      delete vm.next;
    }
    return vm.phase;
  }

  /** A transitional status that turns into `then` after `ms`. */
  transition(vm: SimVm, word: string, raw: string, ms: number, then: Phase): void {
    vm.phase = { word, raw, until: this.now() + ms };
    vm.next = then;
  }

  imageStatus(image: SimImage): string {
    if (image.ready) return 'active';
    const age = this.now() - image.created;
    if (age < this.durations.imageMs) return 'queued';
    if (age < 2 * this.durations.imageMs) return 'saving';
    return image.fails ? 'killed' : 'active';
  }

  planOf(id: string): SimPlan | undefined {
    return PLANS.find((plan) => plan.plan_id === id);
  }
}
