import type { SimHost, SimVm } from './model.js';
import type { SimulatorState } from './state.js';
import type { Timers } from './timers.js';

interface Transition {
  timer: unknown;
  onSettled: Array<() => void>;
}

/**
 * Power transitions take `settleMs`, like a real boot or ACPI shutdown: booting -> running,
 * shutting_down -> shutdown. A forced power off is immediate, as pulling the plug is. A newer
 * transition replaces an unfinished one; whoever waited on the old one is told it is over.
 */
export class PowerControl {
  private readonly transitions = new Map<string, Transition>();

  constructor(
    private readonly state: SimulatorState,
    private readonly timers: Timers,
    private readonly settleMs: number,
  ) {}

  powerOn(vm: SimVm, host: SimHost, onSettled?: () => void): void {
    this.state.setStatus(vm, 'booting', host.id);
    this.begin(vm, 'running', onSettled);
  }

  shutdown(vm: SimVm, onSettled?: () => void): void {
    this.state.setStatus(vm, 'shutting_down');
    this.begin(vm, 'shutdown', onSettled);
  }

  powerOff(vm: SimVm, onSettled?: () => void): void {
    this.cancel(vm.id);
    this.state.setStatus(vm, 'shutdown');
    onSettled?.();
  }

  /** Calls back when the VM's transition under way ends, or at once if none is. */
  whenSettled(vm: SimVm, onSettled: () => void): void {
    const transition = this.transitions.get(vm.id);
    if (transition === undefined) onSettled();
    else transition.onSettled.push(onSettled);
  }

  /** Stops any transition of a VM that is being deleted. */
  forget(vm: SimVm): void {
    this.cancel(vm.id);
  }

  private begin(vm: SimVm, target: 'running' | 'shutdown', onSettled: (() => void) | undefined): void {
    this.cancel(vm.id);
    const timer = this.timers.after(this.settleMs, () => this.settle(vm, target));
    this.transitions.set(vm.id, { timer, onSettled: onSettled === undefined ? [] : [onSettled] });
  }

  private settle(vm: SimVm, target: 'running' | 'shutdown'): void {
    const transition = this.transitions.get(vm.id);
    this.transitions.delete(vm.id);
    if (this.state.vms.get(vm.id) === vm) this.state.setStatus(vm, target);
    for (const notify of transition?.onSettled ?? []) notify();
  }

  /** Cancels a pending transition; whoever waited on it is told it is over. */
  private cancel(vmId: string): void {
    const transition = this.transitions.get(vmId);
    if (transition === undefined) return;
    this.timers.cancel(transition.timer);
    this.transitions.delete(vmId);
    for (const notify of transition.onSettled) notify();
  }
}
