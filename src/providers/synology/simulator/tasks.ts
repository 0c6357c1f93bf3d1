import type { IdSource } from './ids.js';
import type { SimTask, SimTaskKind } from './model.js';
import type { SimulatorState } from './state.js';
import type { Timers } from './timers.js';

/**
 * Background tasks as `SYNO.Virtualization.API.Task.Info` shows them: progress grows with elapsed
 * time until the owner finishes the task. A finished task vanishes `cleanMs` (a minute) after it
 * finished whatever its `auto_clean_task`: the guide says "It will also be automatically cleaned a
 * minute after the task finishes", so `auto_clean_task=false` only shows in the task info.
 */
export class TaskBoard {
  constructor(
    private readonly state: SimulatorState,
    private readonly ids: IdSource,
    private readonly timers: Timers,
    private readonly cleanMs: number,
  ) {}

  start(kind: SimTaskKind, status: string, durationMs: number, autoClean: boolean, refs: { guest_id?: string; image_id?: string }): SimTask {
    const task: SimTask = {
      id: this.ids.taskId(kind),
      kind,
      status,
      started_at: this.timers.now(),
      duration_ms: durationMs,
      finished_at: undefined,
      auto_clean: autoClean,
      ...refs,
    };
    this.state.tasks.set(task.id, task);
    return task;
  }

  finish(task: SimTask): void {
    if (task.finished_at !== undefined) return;
    task.finished_at = this.timers.now();
    this.timers.after(this.cleanMs, () => this.state.tasks.delete(task.id));
  }

  /** 0-99 while running (never 100 before the work is done), 100 once finished. */
  progress(task: SimTask, now: number): number {
    if (task.finished_at !== undefined) return 100;
    if (task.duration_ms <= 0) return 99;
    return Math.min(99, Math.floor(((now - task.started_at) / task.duration_ms) * 100));
  }
}
