/** Stands for a number the agent fills in; written unquoted, so that the filled-in call is valid JSON. */
export interface NumberSlot {
  slot: string;
}

export function numberSlot(name: string): NumberSlot {
  return { slot: name };
}

/**
 * A tool call as prompts suggest it: `tool {"vm":"web-01","wait":true}`, with the target named when it is
 * not the default, so that the call works when copied as it stands. A number the agent must choose shows
 * as `<vcpus>`, where the number goes.
 */
export function suggestCall(tool: string, args: Record<string, string | number | boolean | NumberSlot>, target: Record<string, string>): string {
  const parts = Object.entries({ ...args, ...target }).map(([key, value]) => {
    const shown = typeof value === 'object' ? `<${value.slot}>` : JSON.stringify(value);
    return `${JSON.stringify(key)}:${shown}`;
  });
  return `${tool} {${parts.join(',')}}`;
}
