import { matchesGlob } from '../text/glob.js';

/** Whether a tool only looks, changes something recoverable, or can lose data. */
export type ToolEffect = 'read' | 'write' | 'destructive';

export interface Policy {
  /** VMM_READ_ONLY: write and destructive tools are not listed and are refused. */
  readOnly: boolean;
  /** VMM_DESTRUCTIVE: ask first (default), never, or run directly. */
  destructive: 'confirm' | 'deny' | 'allow';
  /** VMM_PROTECT: globs on VM names (case-insensitive, NFC, see text/glob.ts) that no tool may change. */
  protect: string[];
}

export const DEFAULT_POLICY: Policy = { readOnly: false, destructive: 'confirm', protect: [] };

/** Tools a policy forbids outright are not even offered to the agent. */
export function isListed(effect: ToolEffect, policy: Policy): boolean {
  if (effect === 'read') return true;
  if (policy.readOnly) return false;
  return effect === 'write' || policy.destructive !== 'deny';
}

/** The first protection glob that matches the VM name, if any. */
export function protectedBy(vmName: string, policy: Policy): string | undefined {
  return policy.protect.map((glob) => glob.trim()).find((glob) => glob !== '' && matchesGlob(vmName, glob));
}
