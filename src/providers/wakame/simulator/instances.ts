import { DcmgrFailure, SimulatorCrash } from './failure.js';
import { instanceToWire, type InstanceState, type SimInstance } from './model.js';
import { collection, dateRange } from './paging.js';
import type { Params } from './params.js';
import type { Requester, WakameState } from './state.js';

/**
 * The /instances routes of dcmgr 12.03 (instances.rb) and its state machine. Each action checks the
 * state the way dcmgr does and answers 400/125 with the current state as the message; the states an
 * action passes through then follow one another every `stepMs` on the simulator's clock.
 */

const STATE_FILTERS = new Set(['running', 'stopped', 'terminated', 'alive', 'alive_with_terminated', 'without_terminated']);

export function listInstances(state: WakameState, requester: Requester, params: Params): unknown {
  const wanted = params.get('state');
  if (wanted !== undefined && !STATE_FILTERS.has(wanted)) throw new DcmgrFailure('InvalidParameter', 'state');
  const displayName = params.get('display_name');
  const serviceType = params.get('service_type');
  const created = dateRange(params, 'created');
  const terminated = dateRange(params, 'terminated');
  const instances = state.visibleInstances(requester).filter(
    (instance) =>
      matchesState(instance, wanted) &&
      (displayName === undefined || instance.displayName === displayName) &&
      (serviceType === undefined || instance.serviceType === serviceType) &&
      created(instance.createdAt) &&
      terminated(instance.terminatedAt),
  );
  return collection(instances, params, state.options.dialect, instanceToWire);
}

function matchesState(instance: SimInstance, wanted: string | undefined): boolean {
  switch (wanted) {
    case undefined:
    case 'alive_with_terminated':
      return true;
    case 'alive':
    case 'without_terminated':
      return instance.state !== 'terminated';
    default:
      return instance.state === wanted;
  }
}

export function showInstance(state: WakameState, requester: Requester, id: string): unknown {
  return instanceToWire(state.findInstance(requester, id));
}

/** POST /instances: image_id, hypervisor, cpu_cores 1-128, memory_size 128-999999, optional hostname and display_name. */
export function createInstance(state: WakameState, requester: Requester, params: Params): unknown {
  const image = state.images.get(params.get('image_id') ?? '');
  if (image === undefined) throw new DcmgrFailure('InvalidImageID');
  const hypervisor = params.get('hypervisor');
  if (hypervisor === undefined || !state.hostNodes.some((node) => node.hypervisor === hypervisor)) {
    throw new DcmgrFailure('InvalidParameter', 'hypervisor');
  }
  const cpuCores = rubyToI(params.get('cpu_cores'));
  if (!(cpuCores >= 1 && cpuCores <= 128)) throw new DcmgrFailure('InvalidParameter', 'cpu_cores');
  const memoryMb = rubyToI(params.get('memory_size'));
  if (!(memoryMb >= 128 && memoryMb <= 999999)) throw new DcmgrFailure('InvalidParameter', 'memory_size');
  const node = state.placeFor(hypervisor, cpuCores, memoryMb);
  if (node === undefined) throw new DcmgrFailure('OutOfHostCapacity');
  // dcmgr dereferences the account here; without the header (admin) the request crashes.
  if (requester === undefined) throw new SimulatorCrash("undefined method `canonical_uuid' for nil:NilClass");
  const live = [...state.instances.values()].filter((instance) => instance.accountId === requester.id && instance.state !== 'terminated');
  if (live.length >= state.options.instanceQuota) throw new DcmgrFailure('ExceedQuotaLimit', 'instance.count');
  const id = state.newId('i');
  const hostname = params.get('hostname') ?? id.slice(2);
  if (live.some((instance) => instance.hostname === hostname)) throw new DcmgrFailure('DuplicateHostname');
  const instance: SimInstance = {
    id,
    accountId: requester.id,
    imageId: image.id,
    hostNodeId: node.id,
    hypervisor,
    cpuCores,
    memoryMb,
    arch: image.arch,
    hostname,
    displayName: params.get('display_name') ?? '',
    serviceType: params.get('service_type') ?? 'std',
    state: 'scheduling',
    createdAt: state.now(),
    terminatedAt: null,
    volumeId: state.newId('vol'),
    vifId: state.newId('vif'),
    networkId: 'nw-demo1',
    ipv4: `10.0.1.${state.instances.size % 250}`,
    steps: [],
    reboots: 0,
    poweroffs: [],
  };
  state.instances.set(id, instance);
  state.planInstance(instance, 'scheduling', 'pending', 'initializing', 'running');
  return instanceToWire(instance);
}

/** PUT /instances/:id: only display_name is simulated (security groups and ssh keys are not). */
export function updateInstance(state: WakameState, requester: Requester, id: string, params: Params): unknown {
  const instance = state.findInstance(requester, id);
  const name = params.get('display_name');
  if (name !== undefined) instance.displayName = name;
  return instanceToWire(instance);
}

type Action = 'start' | 'stop' | 'reboot' | 'poweroff' | 'poweron' | 'backup';

/** Which states each action accepts, as instances.rb checks them. */
const ACCEPTS: Record<Action, readonly InstanceState[]> = {
  start: ['stopped'],
  stop: ['running'],
  reboot: ['running'],
  poweroff: ['running', 'halting'],
  poweron: ['halted'],
  backup: ['halted'],
};

export function isAction(name: string): name is Action {
  return Object.hasOwn(ACCEPTS, name);
}

export function instanceAction(state: WakameState, requester: Requester, id: string, action: Action, params: Params): unknown {
  const instance = state.findInstance(requester, id);
  if (!ACCEPTS[action].includes(instance.state)) throw new DcmgrFailure('InvalidInstanceState', instance.state);
  switch (action) {
    case 'start': {
      const node = state.placeFor(instance.hypervisor, instance.cpuCores, instance.memoryMb, instance);
      if (node === undefined) throw new DcmgrFailure('OutOfHostCapacity');
      instance.hostNodeId = node.id;
      state.planInstance(instance, 'scheduling', 'pending', 'starting', 'running');
      return [instance.id];
    }
    case 'stop':
      state.planInstance(instance, 'stopping', 'stopped');
      return [instance.id];
    case 'reboot':
      instance.reboots += 1;
      return [instance.id];
    case 'poweroff': {
      const force = params.get('force');
      instance.poweroffs.push({ force: force === undefined ? undefined : force === 'true' });
      state.planInstance(instance, 'halting', 'halted');
      return { instance_id: instance.id };
    }
    case 'poweron':
      state.planInstance(instance, 'starting', 'running');
      return { instance_id: instance.id };
    case 'backup':
      return backup(state, requester, instance, params);
  }
}

/** An image of the halted instance's disk: a new image record going creating -> pending -> available. */
function backup(state: WakameState, requester: Requester, instance: SimInstance, params: Params): unknown {
  if (!state.options.backupStorage) throw new DcmgrFailure('UnknownBackupStorage', 'bkst-local');
  if (requester === undefined) throw new SimulatorCrash("undefined method `canonical_uuid' for nil:NilClass");
  const source = state.images.get(instance.imageId);
  const now = state.now();
  const image = {
    id: state.newId('wmi'),
    accountId: requester.id,
    displayName: params.get('display_name') ?? source?.displayName ?? '',
    description: params.get('description') ?? source?.description ?? '',
    arch: instance.arch,
    state: 'creating' as const,
    isPublic: params.get('is_public') === 'true',
    fileFormat: source?.fileFormat ?? 'qcow2',
    osType: source?.osType ?? 'linux',
    serviceType: instance.serviceType,
    parentImageId: instance.imageId,
    backupObjectId: state.newId('bo'),
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    steps: [],
  };
  state.images.set(image.id, image);
  state.planImage(image, 'creating', 'pending', 'available');
  return { instance_id: instance.id, backup_object_id: image.backupObjectId, image_id: image.id };
}

/** DELETE /instances/:id: a stopped record goes at once; scheduling and terminated ones answer 125. */
export function deleteInstance(state: WakameState, requester: Requester, id: string): unknown {
  const instance = state.findInstance(requester, id);
  if (instance.state === 'terminated' || instance.state === 'scheduling') {
    throw new DcmgrFailure('InvalidInstanceState', instance.state);
  }
  if (instance.state === 'stopped') {
    state.instances.delete(instance.id);
  } else {
    state.planInstance(instance, 'shuttingdown', 'terminated');
  }
  return [instance.id];
}

/** Ruby's String#to_i: leading digits, else 0. */
function rubyToI(text: string | undefined): number {
  const match = /^\s*([+-]?\d+)/.exec(text ?? '');
  return match === null ? 0 : Number(match[1]);
}
