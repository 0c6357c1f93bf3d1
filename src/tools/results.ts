import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { isOperationError } from '../errors.js';
import type { GuardDecision } from '../safety/guard.js';
import { redact, redactText } from '../safety/redact.js';
import { oneLine, quoted } from '../text/quote.js';

/**
 * The shapes of what a tool call answers: structured data with the same data as compact JSON text,
 * a confirmation request, or an error text that says what failed, why, and what to do next.
 */

/** `summary` replaces the JSON text, for results whose data is drawn by a view (the model reads the text). */
export function successResult(data: Record<string, unknown>, summary?: (data: Record<string, unknown>) => string): CallToolResult {
  const shown = redact(data);
  if (summary === undefined) return structured(shown);
  return { structuredContent: shown, content: [{ type: 'text', text: redactText(summary(shown)) }] };
}

export function confirmationResult(tool: string, decision: Extract<GuardDecision, { action: 'confirmation_required' }>): CallToolResult {
  const { confirm_token, expires_at } = decision;
  const shown = redact({
    status: 'confirmation_required',
    message:
      `${tool} needs the user's confirmation. Show them the preview; if they agree, call ${tool} again with the same `
      + `arguments plus confirm_token before ${expires_at}. Do not pass the token without their consent.`,
    expires_at,
    preview: decision.preview,
  });
  // Added after redaction, whose key rule would mask it: this token is meant for the caller, and single-use.
  return structured({ ...shown, confirm_token });
}

function structured(data: Record<string, unknown>): CallToolResult {
  return { structuredContent: data, content: [{ type: 'text', text: JSON.stringify(data) }] };
}

export function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: redactText(text) }] };
}

/**
 * "power_on failed: ...", then the DSM code and meaning, then what to do next. An outcome-unknown failure
 * already says so in its message and points at a read in `next`.
 */
export function describeFailure(tool: string, error: unknown): string {
  if (!isOperationError(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return `${tool} failed unexpectedly: ${oneLine(reason)}\nNext: check the server log (stderr); retry once if the failure looks transient.`;
  }
  // Policy refusals already start with the tool's name ("delete_vm refused: ...").
  const lines = [error.message.startsWith(`${tool} `) ? error.message : `${tool} failed: ${error.message}`];
  if (error.dsm !== undefined) {
    // DSM's detail strings are the backend's own words: data, quoted.
    const details = error.dsm.details.length > 0 ? `; details from DSM: ${error.dsm.details.map(quoted).join('; ')}` : '';
    lines.push(`DSM error ${error.dsm.code} (${error.dsm.meaning}) from ${error.dsm.api} ${error.dsm.method}${details}`);
  }
  if (error.next !== undefined) lines.push(`Next: ${error.next}`);
  // Each part is one line whatever a backend string inside it holds, so none can forge a "Next:" line.
  return lines.map(oneLine).join('\n');
}

/** Names each rejected field and its rule, so the caller can fix the call. */
export function describeInvalidArguments(tool: string, error: z.ZodError): string {
  const issues = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(arguments)';
    return `- ${field}: ${issue.message}`;
  });
  return [`Invalid arguments for ${tool}:`, ...issues, `Next: fix these fields and call ${tool} again (its inputSchema lists every field and bound).`].join('\n');
}
