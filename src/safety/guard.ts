import { OperationError } from '../errors.js';
import { confirmationQuestion, confirmByElicitation, type Elicit } from './confirm-elicitation.js';
import { ConfirmTokenStore, type ConfirmBinding, type RedeemResult } from './confirm-tokens.js';
import { protectedBy, type Policy, type ToolEffect } from './policy.js';
import { quoted } from '../text/quote.js';

/** The resolved object a call acts on, with the facts a human needs to judge it. */
export interface Subject {
  kind: 'vm' | 'image';
  id: string;
  name: string;
  /** The backend's word for its state (a VM's `running`), which tools' preconditions are checked against. */
  status?: string;
  /** Shown in previews and confirmation forms: status, host, disks... */
  facts: Record<string, unknown>;
}

export interface GuardRequest {
  tool: string;
  /** The tool's title, for the human ("Delete a VM"). */
  title: string;
  effect: ToolEffect;
  targetName: string;
  policy: Policy;
  /** The resolved subject of the call; give it for write tools on a VM too, so protection applies. */
  subject?: Subject;
  /** The validated arguments WITHOUT confirm_token: the token is bound to them. */
  args: Record<string, unknown>;
  /** What will happen, in words, e.g. "Forcibly powers off VM web-01 now; unsaved data in the guest is lost." */
  consequence: string;
  /** Why the call cannot happen in the subject's present state (a running VM to delete), with the step that makes it possible. */
  unmet?: OperationError;
  confirmToken?: string;
  /** Present only when the client declared form elicitation. */
  elicit?: Elicit;
  signal?: AbortSignal;
}

export type GuardDecision =
  | { action: 'proceed'; confirmedBy?: 'elicitation' | 'token' | 'policy' }
  | { action: 'confirmation_required'; confirm_token: string; expires_at: string; preview: Record<string, unknown> }
  | { action: 'refused'; error: OperationError };

export interface SafetyGuardOptions {
  /** Lifetime of a confirm_token (default 5 minutes). */
  confirmTtlMs?: number;
  /** How long to wait for the human to answer a confirmation form (default 3 minutes). */
  elicitationTimeoutMs?: number;
  /** Clock for token expiry; tests pass a fake one. */
  now?: () => number;
}

export const DEFAULT_CONFIRM_TTL_MS = 5 * 60_000;
export const DEFAULT_ELICITATION_TIMEOUT_MS = 3 * 60_000;

/**
 * The one gate every tool call passes, in this order: reads go through; read-only refuses changes;
 * a protected VM refuses every change whatever else is set; a call the subject's state rules out is
 * refused with the step that makes it possible (nobody is asked to confirm what cannot happen); writes
 * go through; destructive calls are denied, allowed, or confirmed (by the human through elicitation,
 * else by a second call with a token).
 */
export class SafetyGuard {
  private readonly tokens: ConfirmTokenStore;
  private readonly elicitationTimeoutMs: number;
  private readonly now: () => number;

  constructor(options: SafetyGuardOptions = {}) {
    this.now = options.now ?? Date.now;
    this.elicitationTimeoutMs = options.elicitationTimeoutMs ?? DEFAULT_ELICITATION_TIMEOUT_MS;
    this.tokens = new ConfirmTokenStore({ ttlMs: options.confirmTtlMs ?? DEFAULT_CONFIRM_TTL_MS, now: this.now });
  }

  async check(request: GuardRequest): Promise<GuardDecision> {
    const { effect, policy } = request;
    if (effect === 'read') return { action: 'proceed' };
    const refusal = policyRefusal(request);
    if (refusal !== undefined) return { action: 'refused', error: refusal };
    if (request.unmet !== undefined) {
      const { unmet, tool } = request;
      return { action: 'refused', error: new OperationError(unmet.kind, `${tool} refused: ${unmet.message}`, { next: unmet.next, cause: unmet }) };
    }
    if (effect === 'write') return { action: 'proceed' };
    if (policy.destructive === 'allow') return { action: 'proceed', confirmedBy: 'policy' };
    if (request.confirmToken !== undefined) return this.redeem(request, request.confirmToken);
    if (request.elicit !== undefined) return this.elicit(request, request.elicit);
    return this.issue(request);
  }

  private async elicit(request: GuardRequest, elicit: Elicit): Promise<GuardDecision> {
    const subject = describeSubject(request);
    const outcome = await confirmByElicitation(
      elicit,
      { tool: request.tool, title: request.title, targetName: request.targetName, ...subject, consequence: request.consequence },
      { timeoutMs: this.elicitationTimeoutMs, signal: request.signal },
    );
    return outcome.confirmed ? { action: 'proceed', confirmedBy: 'elicitation' } : { action: 'refused', error: outcome.error };
  }

  private issue(request: GuardRequest): GuardDecision {
    const { token, expiresAt } = this.tokens.issue(binding(request));
    const expires_at = new Date(expiresAt).toISOString();
    const subject = describeSubject(request);
    return {
      action: 'confirmation_required',
      confirm_token: token,
      expires_at,
      preview: {
        question: confirmationQuestion(request.title, subject.kind, subject.name),
        tool: request.tool,
        target: request.targetName,
        subject: { kind: subject.kind, id: subject.id, name: subject.name, ...subject.facts },
        consequence: request.consequence,
        args: request.args,
        expires_at,
        next: `Show this preview to the user. If they agree, call ${request.tool} again with the same arguments plus confirm_token before ${expires_at}.`,
      },
    };
  }

  private redeem(request: GuardRequest, token: string): GuardDecision {
    const result = this.tokens.redeem(token, binding(request));
    if (result.ok) return { action: 'proceed', confirmedBy: 'token' };
    return { action: 'refused', error: tokenRefusal(request, result) };
  }
}

/** What the policy alone decides about a call, before any confirmation. */
export type PolicyQuestion = Pick<GuardRequest, 'tool' | 'effect' | 'targetName' | 'policy'> & { subject?: Pick<Subject, 'kind' | 'name'> };

/**
 * Why the policy refuses a call outright, or undefined when it may go on (perhaps to a confirmation):
 * read-only refuses every change, a protected VM refuses every change to it, and VMM_DESTRUCTIVE=deny
 * refuses destructive calls. The guard decides with it, and the dashboard asks it to show which of its
 * buttons would be refused, and why.
 */
export function policyRefusal(question: PolicyQuestion): OperationError | undefined {
  const { tool, effect, policy, subject, targetName } = question;
  if (effect === 'read') return undefined;
  if (policy.readOnly) {
    return refusal(`${tool} changes the cluster, and target ${targetName} is read-only (VMM_READ_ONLY).`,
      'Only read tools are available; unset VMM_READ_ONLY to allow changes.');
  }
  if (subject?.kind === 'vm') {
    const glob = protectedBy(subject.name, policy);
    if (glob !== undefined) {
      return refusal(`${tool} refused: VM ${quoted(subject.name)} is protected by the VMM_PROTECT pattern ${quoted(glob)}.`,
        `No tool may change this VM; remove ${quoted(glob)} from VMM_PROTECT to allow it.`);
    }
  }
  if (effect === 'destructive' && policy.destructive === 'deny') {
    return refusal(`${tool} is destructive, and destructive tools are disabled on target ${targetName} (VMM_DESTRUCTIVE=deny).`,
      'Set VMM_DESTRUCTIVE=confirm or allow to enable it.');
  }
  return undefined;
}

function refusal(message: string, next: string): OperationError {
  return new OperationError('policy', message, { next });
}

/** Destructive tools normally act on a subject; without one the tool name stands in for it. */
function describeSubject(request: GuardRequest): { kind: string; id: string; name: string; facts: Record<string, unknown> } {
  const subject = request.subject;
  if (subject === undefined) return { kind: 'operation', id: request.tool, name: request.tool, facts: {} };
  return subject;
}

function binding(request: GuardRequest): ConfirmBinding {
  const subject = describeSubject(request);
  return {
    tool: request.tool,
    targetName: request.targetName,
    subjectKind: subject.kind,
    subjectId: subject.id,
    subjectName: subject.name,
    args: request.args,
  };
}

function tokenRefusal(request: GuardRequest, result: Exclude<RedeemResult, { ok: true }>): OperationError {
  const fresh = `Call ${request.tool} without confirm_token to get a new preview and token.`;
  const error = (message: string, next = fresh): OperationError => new OperationError('policy', message, { next });
  switch (result.reason) {
    case 'unknown':
      // A client that starts a server per call (the MCP Inspector's CLI does) lands here every time: say how out of the loop.
      return error(
        `${request.tool} refused: confirm_token is not one this server issued. A token is redeemed only by the server process `
          + '(and, over HTTP, the session) that issued it: it does not survive a restart, and a client that starts a new server '
          + 'for every call can never redeem one.',
        `Run the server once for the whole session and call ${request.tool} again without confirm_token for a new preview and token; `
          + 'for scripted use with no human to ask, set VMM_DESTRUCTIVE=allow on that server instead.',
      );
    case 'reused':
      return error(`${request.tool} refused: confirm_token was already used at ${new Date(result.usedAt).toISOString()}; each token confirms one call.`);
    case 'expired':
      return error(`${request.tool} refused: confirm_token expired at ${new Date(result.expiresAt).toISOString()}.`);
    case 'other_tool':
      return error(`${request.tool} refused: confirm_token was issued for ${result.issuedFor}, not ${request.tool}.`);
    case 'other_subject': {
      const was = result.issuedFor;
      const now = describeSubject(request);
      return error(`${request.tool} refused: confirm_token was issued for ${was.subjectKind} ${quoted(was.subjectName)} (id ${was.subjectId}) on target ${was.targetName}, `
        + `not ${now.kind} ${quoted(now.name)} (id ${now.id}) on target ${request.targetName}.`);
    }
    case 'args_changed':
      return error(`${request.tool} refused: the arguments differ from the ones confirm_token was issued for (changed: ${result.changedKeys.join(', ')}).`,
        `Repeat the call with exactly the previewed arguments, or call ${request.tool} without confirm_token to confirm the new ones.`);
  }
}
