import type { Handler, Simulator } from '../context.js';
import type { SimTask } from '../model.js';
import type { Params } from '../wire.js';
import { failure } from '../wire.js';

/** SYNO.Virtualization.API.Task.Info: an unknown or cleaned task answers 1000 ("Cannot find task_id"). */

function findTask(sim: Simulator, params: Params): SimTask {
  const id = params.required('task_id');
  const task = sim.state.tasks.get(id);
  if (task === undefined) throw failure(1000, `no task ${id}`);
  return task;
}

export const taskMethods: Readonly<Record<string, Handler>> = {
  list: ({ sim }) => ({ task_ids: [...sim.state.tasks.keys()] }),
  get: ({ sim, params }) => {
    const task = findTask(sim, params);
    return {
      finish: task.finished_at !== undefined,
      task_info: {
        auto_clean_task: task.auto_clean,
        progress: sim.tasks.progress(task, sim.timers.now()),
        status: task.status,
        ...(task.guest_id === undefined ? {} : { guest_id: task.guest_id }),
        ...(task.image_id === undefined ? {} : { image_id: task.image_id }),
      },
    };
  },
  clear: ({ sim, params }) => {
    sim.state.tasks.delete(findTask(sim, params).id);
    return undefined;
  },
};
