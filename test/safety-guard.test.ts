import { describe, expect, it } from 'vitest';
import { OperationError } from '../src/errors.js';
import { CONFIRM_FIELD, type Elicit } from '../src/safety/confirm-elicitation.js';
import { SafetyGuard, type GuardDecision, type GuardRequest, type Subject } from '../src/safety/guard.js';
import { DEFAULT_POLICY, type Policy } from '../src/safety/policy.js';
import { redact, redactText } from '../src/safety/redact.js';

const START = Date.UTC(2025, 0, 1, 12, 0, 0);
const TTL = 5 * 60_000;

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = START;
  return { now: () => time, advance: (ms) => { time += ms; } };
}

const web01: Subject = { kind: 'vm', id: 'vm-1', name: 'web-01', facts: { status: 'running', host: 'nas-a', disks: ['20 GiB'] } };
const web02: Subject = { kind: 'vm', id: 'vm-2', name: 'web-02', facts: { status: 'stopped' } };

function powerOff(changes: Partial<GuardRequest> = {}): GuardRequest {
  return {
    tool: 'power_off',
    title: 'Force a VM off',
    effect: 'destructive',
    targetName: 'nas',
    policy: DEFAULT_POLICY,
    subject: web01,
    args: { vm: 'web-01', wait: true },
    consequence: 'Forcibly powers off VM web-01 now; unsaved data in the guest is lost.',
    ...changes,
  };
}

function withPolicy(changes: Partial<Policy>): Policy {
  return { ...DEFAULT_POLICY, ...changes };
}

function refusal(decision: GuardDecision): { kind: string; message: string; next: string | undefined } {
  if (decision.action !== 'refused') throw new Error(`expected a refusal, got ${decision.action}`);
  return { kind: decision.error.kind, message: decision.error.message, next: decision.error.next };
}

async function issueToken(guard: SafetyGuard, request = powerOff()): Promise<string> {
  const decision = await guard.check(request);
  if (decision.action !== 'confirmation_required') throw new Error(`expected confirmation_required, got ${decision.action}`);
  return decision.confirm_token;
}

describe('SafetyGuard: effects and policy', () => {
  it('lets read tools through even in read-only mode and on protected VMs', async () => {
    const guard = new SafetyGuard();
    const decision = await guard.check(powerOff({ tool: 'get_vm', effect: 'read', policy: withPolicy({ readOnly: true, protect: ['*'] }) }));
    expect(decision).toEqual({ action: 'proceed' });
  });

  it('refuses write and destructive tools in read-only mode, naming the setting', async () => {
    const guard = new SafetyGuard();
    for (const effect of ['write', 'destructive'] as const) {
      const result = refusal(await guard.check(powerOff({ effect, policy: withPolicy({ readOnly: true, destructive: 'allow' }) })));
      expect(result.kind).toBe('policy');
      expect(result.message).toContain('VMM_READ_ONLY');
    }
  });

  it('lets write tools through without confirmation', async () => {
    const guard = new SafetyGuard();
    expect(await guard.check(powerOff({ tool: 'power_on', effect: 'write' }))).toEqual({ action: 'proceed' });
  });

  it('refuses write and destructive tools on a protected VM even when destructive is allow, naming the glob', async () => {
    const guard = new SafetyGuard();
    const policy = withPolicy({ destructive: 'allow', protect: ['db-*', 'WEB-0?'] });
    for (const effect of ['write', 'destructive'] as const) {
      const result = refusal(await guard.check(powerOff({ effect, policy })));
      expect(result.kind).toBe('policy');
      expect(result.message).toContain('"WEB-0?"');
      expect(result.message).toContain('web-01');
      expect(result.next).toContain('VMM_PROTECT');
    }
  });

  it('refuses a protected VM even when a valid confirm token is presented', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard);
    const result = refusal(await guard.check(powerOff({ confirmToken: token, policy: withPolicy({ protect: ['web-*'] }) })));
    expect(result.message).toContain('"web-*"');
  });

  it('does not apply VM protection to images', async () => {
    const guard = new SafetyGuard();
    const image: Subject = { kind: 'image', id: 'img-1', name: 'web-template', facts: {} };
    const decision = await guard.check(powerOff({ tool: 'delete_image', subject: image, policy: withPolicy({ destructive: 'allow', protect: ['web-*'] }) }));
    expect(decision).toEqual({ action: 'proceed', confirmedBy: 'policy' });
  });

  it('refuses destructive tools when destructive is deny, even with an elicitation-capable client', async () => {
    const guard = new SafetyGuard();
    let asked = false;
    const elicit: Elicit = async () => { asked = true; return { action: 'accept', content: { [CONFIRM_FIELD]: 'web-01' } }; };
    const result = refusal(await guard.check(powerOff({ policy: withPolicy({ destructive: 'deny' }), elicit })));
    expect(result.message).toContain('VMM_DESTRUCTIVE=deny');
    expect(asked).toBe(false);
  });

  it('runs destructive tools directly when destructive is allow', async () => {
    const guard = new SafetyGuard();
    expect(await guard.check(powerOff({ policy: withPolicy({ destructive: 'allow' }) }))).toEqual({ action: 'proceed', confirmedBy: 'policy' });
  });
});

describe('SafetyGuard: confirm tokens', () => {
  it('answers the first call with a preview and a random single-use token valid for the configured time', async () => {
    const clock = fakeClock();
    const guard = new SafetyGuard({ now: clock.now, confirmTtlMs: TTL });
    const decision = await guard.check(powerOff());
    if (decision.action !== 'confirmation_required') throw new Error(decision.action);
    expect(decision.confirm_token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(decision.expires_at).toBe(new Date(START + TTL).toISOString());
    expect(decision.preview).toMatchObject({
      tool: 'power_off',
      target: 'nas',
      subject: { kind: 'vm', id: 'vm-1', name: 'web-01', status: 'running', host: 'nas-a', disks: ['20 GiB'] },
      consequence: 'Forcibly powers off VM web-01 now; unsaved data in the guest is lost.',
      args: { vm: 'web-01', wait: true },
    });
    expect(JSON.stringify(decision.preview)).not.toContain(decision.confirm_token);
    expect(await issueToken(guard)).not.toBe(decision.confirm_token);
  });

  it('leaves tokens to the key rule, so the outgoing secret filter does not mask the token the client needs', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard);
    expect(redactText(`retrying with ${token}`)).toBe(`retrying with ${token}`);
    expect(redact({ confirm_token: token })).toEqual({ confirm_token: '[redacted]' });
  });

  it('proceeds on the second call with the token and the same arguments in any key order', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard);
    const decision = await guard.check(powerOff({ args: { wait: true, vm: 'web-01' }, confirmToken: token }));
    expect(decision).toEqual({ action: 'proceed', confirmedBy: 'token' });
  });

  it('refuses a token it never issued', async () => {
    const guard = new SafetyGuard();
    const result = refusal(await guard.check(powerOff({ confirmToken: 'not-a-token-we-issued' })));
    expect(result.message).toContain('not one this server issued');
    expect(result.next).toContain('without confirm_token');
  });

  it('refuses a token issued for another tool', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard, powerOff({ tool: 'delete_vm' }));
    const result = refusal(await guard.check(powerOff({ confirmToken: token })));
    expect(result.message).toContain('issued for delete_vm, not power_off');
  });

  it('refuses a token issued for another VM', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard, powerOff({ subject: web02 }));
    const result = refusal(await guard.check(powerOff({ confirmToken: token })));
    expect(result.message).toContain('"web-02" (id vm-2)');
    expect(result.message).toContain('not vm "web-01" (id vm-1)');
  });

  it('refuses a token issued on another target for a VM with the same id', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard, powerOff({ targetName: 'lab' }));
    const result = refusal(await guard.check(powerOff({ confirmToken: token })));
    expect(result.message).toContain('on target lab');
  });

  it('refuses a token when the arguments changed, naming the changed ones', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard);
    const result = refusal(await guard.check(powerOff({ args: { vm: 'web-01', wait: false, timeout_s: 5 }, confirmToken: token })));
    expect(result.message).toContain('changed: timeout_s, wait');
  });

  it('still accepts the token with the original arguments after a refused attempt with other ones', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard);
    refusal(await guard.check(powerOff({ args: { vm: 'web-01' }, confirmToken: token })));
    expect(await guard.check(powerOff({ confirmToken: token }))).toEqual({ action: 'proceed', confirmedBy: 'token' });
  });

  it('refuses a token that was already used', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard);
    expect((await guard.check(powerOff({ confirmToken: token }))).action).toBe('proceed');
    const result = refusal(await guard.check(powerOff({ confirmToken: token })));
    expect(result.message).toContain('already used');
  });

  it('lets only one of two concurrent calls with the same token proceed', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard);
    const decisions = await Promise.all([guard.check(powerOff({ confirmToken: token })), guard.check(powerOff({ confirmToken: token }))]);
    expect(decisions.map((decision) => decision.action).sort()).toEqual(['proceed', 'refused']);
  });

  it('accepts a token just before it expires and refuses it from the expiry instant on', async () => {
    const clock = fakeClock();
    const guard = new SafetyGuard({ now: clock.now, confirmTtlMs: TTL });
    const early = await issueToken(guard);
    const late = await issueToken(guard);
    clock.advance(TTL - 1);
    expect((await guard.check(powerOff({ confirmToken: early }))).action).toBe('proceed');
    clock.advance(1);
    const result = refusal(await guard.check(powerOff({ confirmToken: late })));
    expect(result.message).toContain(`expired at ${new Date(START + TTL).toISOString()}`);
  });

  it('forgets expired tokens after one more lifetime, so memory stays bounded', async () => {
    const clock = fakeClock();
    const guard = new SafetyGuard({ now: clock.now, confirmTtlMs: TTL });
    const token = await issueToken(guard);
    clock.advance(2 * TTL);
    await issueToken(guard);
    const result = refusal(await guard.check(powerOff({ confirmToken: token })));
    expect(result.message).toContain('not one this server issued');
    expect(redactText(token)).toBe(token);
  });

  it('prefers a presented token over elicitation', async () => {
    const guard = new SafetyGuard();
    const token = await issueToken(guard);
    let asked = false;
    const elicit: Elicit = async () => { asked = true; return { action: 'decline' }; };
    expect(await guard.check(powerOff({ confirmToken: token, elicit }))).toEqual({ action: 'proceed', confirmedBy: 'token' });
    expect(asked).toBe(false);
  });
});

describe('SafetyGuard: elicitation', () => {
  function answering(answer: Awaited<ReturnType<Elicit>>): { elicit: Elicit; requests: Array<{ message: string; requestedSchema: object }> } {
    const requests: Array<{ message: string; requestedSchema: object }> = [];
    return { requests, elicit: async (request) => { requests.push(request); return answer; } };
  }

  it('shows the target, its facts and the consequence, and asks for the name in a required string field', async () => {
    const { elicit, requests } = answering({ action: 'accept', content: { [CONFIRM_FIELD]: 'web-01' } });
    await new SafetyGuard().check(powerOff({ elicit }));
    expect(requests).toHaveLength(1);
    const { message, requestedSchema } = requests[0]!;
    expect(message.split('\n')).toEqual([
      'Force VM "web-01" off?',
      'Forcibly powers off VM web-01 now; unsaved data in the guest is lost.',
      'VM: "web-01"',
      'Id: "vm-1"',
      'Target: "nas"',
      'Status: "running"',
      'Host: "nas-a"',
      'Disks: "20 GiB"',
      'Type the VM name to confirm.',
    ]);
    expect(message, 'words for the human, not tool ids').not.toContain('power_off');
    expect(requestedSchema).toMatchObject({ type: 'object', properties: { [CONFIRM_FIELD]: { type: 'string' } }, required: [CONFIRM_FIELD] });
  });

  it('proceeds when the user accepts and types the exact name', async () => {
    const { elicit } = answering({ action: 'accept', content: { [CONFIRM_FIELD]: ' web-01 ' } });
    expect(await new SafetyGuard().check(powerOff({ elicit }))).toEqual({ action: 'proceed', confirmedBy: 'elicitation' });
  });

  it('refuses when the typed name does not match, including by letter case', async () => {
    for (const typed of ['web-02', 'WEB-01', '', 42]) {
      const { elicit } = answering({ action: 'accept', content: { [CONFIRM_FIELD]: typed } });
      const result = refusal(await new SafetyGuard().check(powerOff({ elicit })));
      expect(result.kind).toBe('policy');
      expect(result.message).toContain('does not match "web-01"');
    }
  });

  it('refuses an accepted form without the name field', async () => {
    const { elicit } = answering({ action: 'accept' });
    expect(refusal(await new SafetyGuard().check(powerOff({ elicit }))).message).toContain('does not match');
  });

  it('refuses when the user declines, saying so', async () => {
    const { elicit } = answering({ action: 'decline' });
    expect(refusal(await new SafetyGuard().check(powerOff({ elicit }))).message).toContain('declined by the user');
  });

  it('refuses when the user cancels, saying so', async () => {
    const { elicit } = answering({ action: 'cancel' });
    expect(refusal(await new SafetyGuard().check(powerOff({ elicit }))).message).toContain('cancelled by the user');
  });

  it('refuses when asking the user fails', async () => {
    const elicit: Elicit = async () => { throw new Error('client does not support elicitation'); };
    const result = refusal(await new SafetyGuard().check(powerOff({ elicit })));
    expect(result.message).toContain('asking the user failed (client does not support elicitation)');
  });

  it('refuses when the user does not answer in time', async () => {
    const elicit: Elicit = () => new Promise(() => {});
    const guard = new SafetyGuard({ elicitationTimeoutMs: 20 });
    expect(refusal(await guard.check(powerOff({ elicit }))).message).toContain('did not answer within');
  });

  it('stops waiting for the user when the request is cancelled', async () => {
    const elicit: Elicit = () => new Promise(() => {});
    const controller = new AbortController();
    const pending = new SafetyGuard().check(powerOff({ elicit, signal: controller.signal }));
    controller.abort();
    const result = refusal(await pending);
    expect(result.kind).toBe('cancelled');
    expect(result.message).toContain('nothing was changed');
  });

  it('does not ask at all when the request was cancelled before', async () => {
    const { elicit, requests } = answering({ action: 'accept', content: { [CONFIRM_FIELD]: 'web-01' } });
    const controller = new AbortController();
    controller.abort();
    expect(refusal(await new SafetyGuard().check(powerOff({ elicit, signal: controller.signal }))).kind).toBe('cancelled');
    expect(requests).toHaveLength(0);
  });
});

describe('SafetyGuard: a call the subject\'s state rules out', () => {
  const running = new OperationError('conflict', 'VM web-01 is running, and only a stopped VM can be deleted; nothing was changed', {
    next: 'stop it first',
  });
  const deleteRunning = (changes: Partial<GuardRequest> = {}): GuardRequest =>
    powerOff({ tool: 'delete_vm', args: { vm: 'web-01' }, consequence: 'Deletes VM web-01.', unmet: running, ...changes });

  it('is refused with the reason and the next step, before any token is issued', async () => {
    const guard = new SafetyGuard();
    const result = refusal(await guard.check(deleteRunning()));
    expect(result).toEqual({ kind: 'conflict', message: `delete_vm refused: ${running.message}`, next: 'stop it first' });
  });

  it('is refused before any form is shown', async () => {
    const forms: unknown[] = [];
    const elicit: Elicit = async (request) => {
      forms.push(request);
      return { action: 'accept', content: { [CONFIRM_FIELD]: 'web-01' } };
    };
    refusal(await new SafetyGuard().check(deleteRunning({ elicit })));
    expect(forms).toEqual([]);
  });

  it('is refused even under VMM_DESTRUCTIVE=allow and for write tools', async () => {
    const guard = new SafetyGuard();
    expect(refusal(await guard.check(deleteRunning({ policy: withPolicy({ destructive: 'allow' }) }))).kind).toBe('conflict');
    expect(refusal(await guard.check(deleteRunning({ tool: 'update_vm', effect: 'write' }))).message).toMatch(/^update_vm refused: /);
  });

  it('leaves read-only and protection first: their refusal is the one that holds whatever the state', async () => {
    const guard = new SafetyGuard();
    expect(refusal(await guard.check(deleteRunning({ policy: withPolicy({ readOnly: true }) }))).message).toContain('VMM_READ_ONLY');
    expect(refusal(await guard.check(deleteRunning({ policy: withPolicy({ protect: ['web-*'] }) }))).message).toContain('VMM_PROTECT');
  });
});
