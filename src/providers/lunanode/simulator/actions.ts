import { PLANS, REGIONS, type LunaNodeState, type SimImage, type SimVm } from './state.js';

/** The simulated API's actions, by endpoint: each reads the request fields and answers the payload or refuses with LunaNode's text. */

export type Fields = Record<string, string>;
type Action = (state: LunaNodeState, fields: Fields) => Record<string, unknown>;

export class Refused extends Error {}

const FORMATS = new Set(['iso', 'qcow2']);

function vmOf(state: LunaNodeState, fields: Fields): SimVm {
  const vm = fields.vm_id === undefined ? undefined : state.vms.get(fields.vm_id);
  if (vm === undefined) throw new Refused('invalid vm');
  return vm;
}

function imageOf(state: LunaNodeState, fields: Fields): SimImage {
  const image = fields.image_id === undefined ? undefined : state.images.get(fields.image_id);
  if (image === undefined) throw new Refused('invalid image');
  return image;
}

function regionOf(fields: Fields): string {
  const region = fields.region;
  if (region === undefined || region === '') throw new Refused('region not set');
  if (REGIONS[region] === undefined) throw new Refused('invalid region');
  return region;
}

/** OpenStack's refusal of an action in the wrong state, as LunaNode passes it on. */
function conflict(action: string, vm: SimVm, state: string): Refused {
  return new Refused(`ERROR (Conflict): Cannot '${action}' instance ${vm.vm_id} while it is in vm_state ${state}`);
}

function vmRow(vm: SimVm): Record<string, string> {
  const plan = PLANS.find((candidate) => candidate.plan_id === vm.plan_id);
  return {
    vm_id: vm.vm_id,
    name: vm.name,
    plan_id: vm.plan_id,
    hostname: vm.hostname,
    primaryip: vm.primaryip,
    privateip: vm.privateip,
    ram: String(plan?.ram ?? 0),
    vcpu: String(plan?.vcpu ?? 0),
    storage: String(plan?.storage ?? 0),
    bandwidth: String(plan?.bandwidth ?? 0),
    region: vm.region,
  };
}

export const actions: Readonly<Record<string, Action>> = {
  'vm/list/': (state) => ({ vms: [...state.vms.values()].map(vmRow) }),

  'vm/info/': (state, fields) => {
    const vm = vmOf(state, fields);
    const phase = state.phaseOf(vm);
    const color = phase.word === 'Online' ? 'green' : phase.word === 'Offline' ? 'red' : 'orange';
    return {
      info: {
        ...vmRow(vm),
        status: `<font color="${color}">${phase.word}</font>`,
        status_nohtml: phase.word,
        status_raw: phase.raw,
        login_details: `username: root; password: ${vm.password}`,
        image_id: vm.image_id,
      },
      extra: { region: vm.region, ip: vm.primaryip },
    };
  },

  'vm/start/': (state, fields) => {
    const vm = vmOf(state, fields);
    const phase = state.phaseOf(vm);
    if (phase.raw !== 'stopped') throw conflict('start', vm, phase.raw);
    state.transition(vm, 'Powering on', 'stopped', state.durations.powerMs, { word: 'Online', raw: 'active' });
    return {};
  },

  'vm/stop/': (state, fields) => {
    const vm = vmOf(state, fields);
    const phase = state.phaseOf(vm);
    if (phase.raw === 'stopped') throw conflict('stop', vm, 'stopped');
    state.transition(vm, 'Powering off', 'active', state.durations.powerMs, { word: 'Offline', raw: 'stopped' });
    return {};
  },

  'vm/reboot/': (state, fields) => {
    const vm = vmOf(state, fields);
    const phase = state.phaseOf(vm);
    if (phase.raw !== 'active') throw conflict('reboot', vm, phase.raw);
    state.transition(vm, 'Rebooting', 'active', state.durations.powerMs, { word: 'Online', raw: 'active' });
    return {};
  },

  'vm/delete/': (state, fields) => {
    state.vms.delete(vmOf(state, fields).vm_id);
    return {};
  },

  'vm/rename/': (state, fields) => {
    const vm = vmOf(state, fields);
    if (fields.hostname === undefined || fields.hostname === '') throw new Refused('hostname not set');
    vm.name = fields.hostname;
    vm.hostname = fields.hostname;
    return {};
  },

  'vm/create/': (state, fields) => {
    const { hostname, plan_id: planId, image_id: imageId } = fields;
    if (hostname === undefined || planId === undefined || imageId === undefined) throw new Refused('hostname, plan_id, and/or image_id not set');
    const region = regionOf(fields);
    const plan = state.planOf(planId);
    if (plan === undefined || !plan.regions.includes(region)) throw new Refused('invalid plan selection');
    const image = state.images.get(imageId);
    if (image === undefined || image.region !== region || state.imageStatus(image) !== 'active') throw new Refused('invalid image selection');
    return { vm_id: state.addVm(hostname, planId, imageId, region).vm_id };
  },

  'vm/snapshot/': (state, fields) => {
    const vm = vmOf(state, fields);
    if (fields.name === undefined || fields.name === '') throw new Refused('name not set');
    return { image_id: state.addImage({ name: fields.name, region: vm.region, ready: false, disk_format: 'qcow2' }).image_id };
  },

  'image/list/': (state, fields) => {
    const region = fields.region;
    if (region !== undefined && REGIONS[region] === undefined) throw new Refused('invalid region');
    const images = [...state.images.values()].filter((image) => region === undefined || image.region === region);
    return { images: images.map((image) => ({ image_id: image.image_id, name: image.name, region: image.region, status: state.imageStatus(image) })) };
  },

  'image/details/': (state, fields) => {
    const image = imageOf(state, fields);
    return {
      details: {
        disk_format: image.disk_format,
        name: image.name,
        region: image.region,
        size: image.disk_format === 'iso' ? '305135616' : '2361393152',
        status: state.imageStatus(image),
        time_created: new Date(image.created).toISOString().replace('Z', '000'),
      },
    };
  },

  'image/delete/': (state, fields) => {
    state.images.delete(imageOf(state, fields).image_id);
    return {};
  },

  'image/rename/': (state, fields) => {
    const image = imageOf(state, fields);
    if (fields.name === undefined || fields.name === '') throw new Refused('name not set');
    image.name = fields.name;
    return {};
  },

  'image/replicate/': (state, fields) => {
    const image = imageOf(state, fields);
    const region = regionOf(fields);
    return { image_id: state.addImage({ name: image.name, region, ready: false, disk_format: image.disk_format }).image_id };
  },

  'image/fetch/': (state, fields) => {
    const region = regionOf(fields);
    const { name, location, format } = fields;
    if (name === undefined || location === undefined || format === undefined) throw new Refused('name, location, and/or format not set');
    if (!FORMATS.has(format)) throw new Refused("format must be 'iso' or 'qcow2'");
    // A download that cannot work ends killed, as LunaNode's image service reports it.
    let fails = true;
    try {
      const url = new URL(location);
      fails = !['http:', 'https:', 'ftp:'].includes(url.protocol) || url.hostname.endsWith('.invalid') || url.pathname.endsWith('/');
    } catch {
      fails = true;
    }
    return { image_id: state.addImage({ name, region, ready: false, disk_format: format, fails }).image_id };
  },

  // Every value a string, the price per hour beside its display texts (see ../plans.ts for the sources).
  'plan/list/': () => ({
    plans: PLANS.map((plan) => ({
      plan_id: plan.plan_id,
      name: plan.name,
      category: plan.category,
      vcpu: String(plan.vcpu),
      ram: String(plan.ram),
      storage: String(plan.storage),
      bandwidth: String(plan.bandwidth),
      price: String(plan.hourly),
      price_nice: `$${plan.hourly}`,
      price_monthly_nice: `$${plan.monthly}`,
      regions_nice: plan.regions.map((region) => (REGIONS[region] ?? region).split(',')[0]).join(', '),
    })),
  }),

  // A map of region id to display name (see regionsOf in ../backend.ts).
  'region/list/': () => ({ regions: { ...REGIONS } }),
};
