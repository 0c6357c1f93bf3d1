import { randomBytes } from 'node:crypto';
import { canonicalHash } from './canonical-json.js';

/** What a confirm token authorises: one tool, on one subject of one target, with exactly these arguments. */
export interface ConfirmBinding {
  tool: string;
  targetName: string;
  subjectKind: string;
  subjectId: string;
  subjectName: string;
  args: Record<string, unknown>;
}

export type RedeemResult =
  | { ok: true }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'reused'; usedAt: number }
  | { ok: false; reason: 'expired'; expiresAt: number }
  | { ok: false; reason: 'other_tool'; issuedFor: string }
  | { ok: false; reason: 'other_subject'; issuedFor: { targetName: string; subjectKind: string; subjectId: string; subjectName: string } }
  | { ok: false; reason: 'args_changed'; changedKeys: string[] };

interface IssuedToken {
  binding: Omit<ConfirmBinding, 'args'>;
  argsHash: string;
  argHashes: Map<string, string>;
  expiresAt: number;
  usedAt?: number;
}

export interface ConfirmTokenStoreOptions {
  ttlMs: number;
  now: () => number;
  /** Upper bound on remembered tokens; the oldest are forgotten first. */
  maxTokens?: number;
}

/** 24 random bytes: 192 bits, well past guessing, 32 characters of base64url. */
const TOKEN_BYTES = 24;

/**
 * Single-use tokens for the two-call confirmation of destructive tools. Used and expired tokens are
 * remembered for one more lifetime so that a late or repeated call hears "expired" or "already used"
 * rather than "unknown"; after that they are dropped, which keeps memory bounded.
 */
export class ConfirmTokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly maxTokens: number;

  constructor(options: ConfirmTokenStoreOptions) {
    this.ttlMs = options.ttlMs;
    this.now = options.now;
    this.maxTokens = options.maxTokens ?? 10_000;
  }

  get size(): number {
    return this.tokens.size;
  }

  issue(binding: ConfirmBinding): { token: string; expiresAt: number } {
    this.prune();
    // Not registered with the redactor: the token is meant for the client, and the outgoing filter would
    // mask it there. Logs and audit lines mask it by its key name (confirm_token).
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const { args, ...rest } = binding;
    const expiresAt = this.now() + this.ttlMs;
    this.tokens.set(token, { binding: rest, argsHash: canonicalHash(args), argHashes: hashEachArg(args), expiresAt });
    while (this.tokens.size > this.maxTokens) {
      const oldest = this.tokens.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    return { token, expiresAt };
  }

  /** Checks a token against a call and, only if everything matches, marks it used. */
  redeem(token: string, binding: ConfirmBinding): RedeemResult {
    this.prune();
    const issued = this.tokens.get(token);
    if (issued === undefined) return { ok: false, reason: 'unknown' };
    if (issued.usedAt !== undefined) return { ok: false, reason: 'reused', usedAt: issued.usedAt };
    if (this.now() >= issued.expiresAt) return { ok: false, reason: 'expired', expiresAt: issued.expiresAt };
    const was = issued.binding;
    if (was.tool !== binding.tool) return { ok: false, reason: 'other_tool', issuedFor: was.tool };
    if (was.targetName !== binding.targetName || was.subjectKind !== binding.subjectKind || was.subjectId !== binding.subjectId) {
      return { ok: false, reason: 'other_subject', issuedFor: was };
    }
    if (issued.argsHash !== canonicalHash(binding.args)) {
      return { ok: false, reason: 'args_changed', changedKeys: changedKeys(issued.argHashes, hashEachArg(binding.args)) };
    }
    issued.usedAt = this.now();
    return { ok: true };
  }

  private prune(): void {
    const now = this.now();
    for (const [token, issued] of this.tokens) {
      if (now >= issued.expiresAt + this.ttlMs) this.drop(token);
    }
  }

  private drop(token: string): void {
    this.tokens.delete(token);
  }
}

function hashEachArg(args: Record<string, unknown>): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const [key, value] of Object.entries(args)) {
    if (value !== undefined) hashes.set(key, canonicalHash(value));
  }
  return hashes;
}

function changedKeys(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => before.get(key) !== after.get(key)).sort();
}
