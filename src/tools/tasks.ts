import { z } from 'zod';
import { OperationError } from '../errors.js';
import { quoted } from '../text/quote.js';
import type { Task, TaskId } from '../vmm/model.js';
import { taskIdArgument, timeoutArgument } from './args.js';
import { defineTool, type ToolDefinition } from './define.js';
import { taskView, toTaskView } from './views.js';
import { waitFor } from './waiting.js';

const WAIT_TASK_TIMEOUT_S = 300;

const listTasks = defineTool({
  name: 'list_tasks',
  title: 'List background tasks',
  description: 'List background tasks (VM and image creation, image copies) with progress; a finished task is gone once its result was collected.',
  effect: 'read',
  needs: ['tasks'],
  input: z.object({}),
  output: z.object({ tasks: z.array(taskView) }),
  async run(_args, ctx) {
    return { tasks: (await ctx.vmm.listTasks(ctx)).map(toTaskView) };
  },
});

const getTask = defineTool({
  name: 'get_task',
  title: 'Get a task',
  description: 'State and progress of one background task; vm_id or image_id name what it made, error why it failed.',
  effect: 'read',
  needs: ['tasks'],
  input: z.object({ task_id: taskIdArgument }),
  output: z.object({ task: taskView }),
  async run({ task_id }, ctx) {
    return { task: toTaskView(await ctx.vmm.getTask(task_id, ctx)) };
  },
});

const waitTask = defineTool({
  name: 'wait_task',
  title: 'Wait for a task',
  description:
    'Wait until a background task finishes or timeout_s passes. Status "not_finished" is not an error: call again to wait more.',
  effect: 'read',
  needs: ['tasks'],
  input: z.object({ task_id: taskIdArgument, timeout_s: timeoutArgument(WAIT_TASK_TIMEOUT_S) }),
  output: z.object({
    status: z.enum(['finished', 'not_finished']),
    message: z.string(),
    task: taskView,
  }),
  async run({ task_id, timeout_s }, ctx) {
    const outcome = await ctx.vmm.waitForTask(task_id as TaskId, waitFor(timeout_s, ctx));
    const task = toTaskView(outcome.value);
    if (outcome.done) {
      // A task that ended without doing its job is the job's failure, told as one.
      if (outcome.value.failure !== undefined) throw new OperationError('backend', outcome.value.failure.message, { next: outcome.value.failure.next });
      return { status: 'finished' as const, message: `Task ${task_id} finished (${task.status}).${madeBy(outcome.value)}`, task };
    }
    return {
      status: 'not_finished' as const,
      message: `Task ${task_id} is still ${task.status} at ${task.progress}% after ${timeout_s} s. Call wait_task again to keep waiting.`,
      task,
    };
  },
});

function madeBy(task: Task): string {
  if (task.vm_id !== undefined) return ` It made VM ${task.vm_id}.`;
  if (task.image_id === undefined) return '';
  if (task.destination === undefined) return ` It made image ${task.image_id}.`;
  return ` It made image ${task.image_id} at ${quoted(task.destination)}, which this target does not list (a target for that place does).`;
}

export const TASK_TOOLS: readonly ToolDefinition[] = [listTasks, getTask, waitTask];
