import { OperationError } from '../errors.js';
import { sameName } from '../text/names.js';
import { hasControlCharacters, oneLine, quoted } from '../text/quote.js';

/** The form elicitation a client offers (MCP `elicitation/create`, form mode). */
export type Elicit = (request: { message: string; requestedSchema: object }) => Promise<{
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}>;

export interface ElicitationTarget {
  tool: string;
  /** The tool's title, in words for the human ("Delete a VM"). */
  title: string;
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
 * name (surrounding whitespace aside, letter case significant, NFC on both sides) refuses: decline, cancel, mismatch, a
 * failing client, silence past `timeoutMs`, or the request being cancelled.
 */
export async function confirmByElicitation(
  elicit: Elicit,
  target: ElicitationTarget,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ElicitationOutcome> {
  const what = `${target.kind} ${quoted(target.name)}`;
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
  if (typeof typed !== 'string' || !sameName(typed.trim(), target.name)) {
    return refuse(`${target.tool} on ${what} was not confirmed: the name typed does not match ${quoted(target.name)}.`);
  }
  return { confirmed: true };
}

const NOUNS: Record<string, string> = { vm: 'VM', image: 'image' };

/** Form labels for the facts subjects carry (tools/subjects.ts); others show their key in words. */
const FACT_LABELS: Record<string, string> = {
  status: 'Status',
  host: 'Host',
  vcpus: 'vCPUs',
  ram_mb: 'RAM (MiB)',
  disks: 'Disks',
  storage: 'Storage',
  storages: 'Storages',
  type: 'Type',
  size_gb: 'Size (GiB)',
};

/**
 * What the human reads: a question in words, the consequence, then one fact per line. Every string
 * from the backend is quoted with its control characters escaped, so a name cannot add lines of its
 * own; a name that holds such characters is pointed out, since a person cannot see them.
 */
function confirmationMessage(target: ElicitationTarget): string {
  const noun = NOUNS[target.kind] ?? target.kind;
  const facts = Object.entries(target.facts)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${FACT_LABELS[key] ?? key.replaceAll('_', ' ')}: ${showFact(value)}`);
  const warning = hasControlCharacters(target.name)
    ? [`Warning: this ${noun} name contains control or invisible characters (shown escaped); someone may be trying to mislead you. Decline unless you expected it.`]
    : [];
  return [
    confirmationQuestion(target.title, target.kind, target.name),
    oneLine(target.consequence),
    `${noun}: ${quoted(target.name)}`,
    `Id: ${quoted(target.id)}`,
    `Target: ${quoted(target.targetName)}`,
    ...facts,
    ...warning,
    `Type the ${noun} name to confirm.`,
  ].join('\n');
}

/** "Delete a VM" becomes 'Delete VM "win10"?'; a title that names no VM or image gets the name after it. */
export function confirmationQuestion(title: string, kind: string, name: string): string {
  const noun = NOUNS[kind] ?? kind;
  const named = title.replace(/\ban? (VM|image)\b/, `$1 ${quoted(name)}`);
  return named === title ? `${title}: ${noun} ${quoted(name)}?` : `${named}?`;
}

function showFact(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(showFact).join(', ');
  if (typeof value === 'string') return quoted(value);
  return oneLine(JSON.stringify(value));
}

function confirmationSchema(target: ElicitationTarget): object {
  const noun = NOUNS[target.kind] ?? target.kind;
  return {
    type: 'object',
    properties: {
      [CONFIRM_FIELD]: {
        type: 'string',
        title: `${noun} name`,
        description: `Type ${quoted(target.name)} to confirm.`,
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
