import { OperationError } from '../errors.js';

/** The form elicitation a client offers (MCP `elicitation/create`, form mode). */
export type Elicit = (request: { message: string; requestedSchema: object }) => Promise<{
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}>;

export interface ElicitationTarget {
  tool: string;
  targetName: string;
  kind: string;
  id: string;
  name: string;
  facts: Record<string, unknown>;
  consequence: string;
}

/** The form field the human types the name into. */
export const CONFIRM_FIELD = 'confirm_name';

export type ElicitationOutcome = { confirmed: true } | { confirmed: false; error: OperationError };

/**
 * Asks the human to type the subject's name back. Anything but an accepted form carrying exactly that
 * name (surrounding whitespace aside, letter case significant) refuses: decline, cancel, mismatch, a
 * failing client, silence past `timeoutMs`, or the request being cancelled.
 */
export async function confirmByElicitation(
  elicit: Elicit,
  target: ElicitationTarget,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ElicitationOutcome> {
  const what = `${target.kind} ${target.name}`;
  const again = `Call ${target.tool} again if you still want it; nothing was changed.`;
  const refuse = (message: string, next = again): ElicitationOutcome => ({
    confirmed: false,
    error: new OperationError('policy', message, { next }),
  });
  const cancelled = (): ElicitationOutcome => ({
    confirmed: false,
    error: new OperationError('cancelled', `${target.tool} on ${what} was cancelled before the user confirmed it; nothing was changed.`),
  });
  if (options.signal?.aborted) return cancelled();
  const request = { message: confirmationMessage(target), requestedSchema: confirmationSchema(target) };

  let answer: Awaited<ReturnType<Elicit>> | 'timeout' | 'aborted';
  try {
    answer = await raceWithTimeout(elicit(request), options.timeoutMs, options.signal);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return refuse(`${target.tool} on ${what} was not confirmed: asking the user failed (${reason}).`);
  }
  if (answer === 'aborted') return cancelled();
  if (answer === 'timeout') {
    const seconds = Math.round(options.timeoutMs / 1000);
    return refuse(`${target.tool} on ${what} was not confirmed: the user did not answer within ${seconds} s.`);
  }
  if (answer.action === 'decline') return refuse(`${target.tool} on ${what} was declined by the user; nothing was changed.`, 'Do not retry unless the user asks for it.');
  if (answer.action === 'cancel') return refuse(`${target.tool} on ${what} was cancelled by the user; nothing was changed.`, 'Do not retry unless the user asks for it.');
  const typed = answer.content?.[CONFIRM_FIELD];
  if (typeof typed !== 'string' || typed.trim() !== target.name) {
    return refuse(`${target.tool} on ${what} was not confirmed: the name typed does not match "${target.name}".`);
  }
  return { confirmed: true };
}

function confirmationMessage(target: ElicitationTarget): string {
  const facts = Object.entries(target.facts)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [
    `Confirm ${target.tool} on ${target.kind} "${target.name}" (id ${target.id}) of target ${target.targetName}.`,
    ...facts,
    `Consequence: ${target.consequence}`,
    `Type the ${target.kind} name "${target.name}" to confirm.`,
  ].join('\n');
}

function confirmationSchema(target: ElicitationTarget): object {
  return {
    type: 'object',
    properties: {
      [CONFIRM_FIELD]: {
        type: 'string',
        title: `${target.kind} name`,
        description: `Type "${target.name}" exactly to ${target.tool} it.`,
      },
    },
    required: [CONFIRM_FIELD],
  };
}

function raceWithTimeout<T>(promise: Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T | 'timeout' | 'aborted'> {
  return new Promise((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      resolve('aborted');
    };
    const timer = setTimeout(() => {
      finish();
      resolve('timeout');
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}
