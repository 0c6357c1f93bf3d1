import type { Simulator } from './context.js';
import type { SimImage } from './model.js';
import type { Params } from './wire.js';
import { badParameter, failure } from './wire.js';

/** Image lookups and the asynchronous image creation shared by both styles. */

export function findImage(sim: Simulator, params: Params): SimImage {
  const id = params.string('image_id');
  const name = params.string('image_name');
  if (id !== undefined && id !== '') {
    const image = sim.state.images.get(id);
    if (image === undefined) throw badParameter('image_id', `no image with id ${id}`);
    return image;
  }
  if (name === undefined || name === '') throw badParameter('image_id', 'image_id or image_name is required');
  const image = sim.state.imageNamed(name);
  if (image === undefined) throw badParameter('image_name', `no image named ${JSON.stringify(name)}`);
  return image;
}

function imageNameTaken(sim: Simulator, name: string): boolean {
  return sim.state.imageNamed(name) !== undefined || sim.state.imageNamesInCreation.has(name);
}

/**
 * Starts an image creation task; the image appears in lists when the task finishes. The task info
 * names the image id from the start.
 */
export function startImageCreation(
  sim: Simulator,
  spec: Omit<SimImage, 'id' | 'create_time'>,
  autoClean: boolean,
): { taskId: string; imageId: string } {
  if (imageNameTaken(sim, spec.name)) throw failure(403, `an image named ${JSON.stringify(spec.name)} exists`);
  sim.state.imageNamesInCreation.add(spec.name);
  const imageId = sim.ids.uuid();
  const task = sim.tasks.start('image_create', 'create', sim.options.taskDurationMs, autoClean, { image_id: imageId });
  sim.timers.after(sim.options.taskDurationMs, () => {
    sim.state.imageNamesInCreation.delete(spec.name);
    sim.state.images.set(imageId, { ...spec, id: imageId, create_time: Math.floor(sim.timers.now() / 1000) });
    sim.tasks.finish(task);
  });
  return { taskId: task.id, imageId };
}
