import { randomSecret } from './ids.js';

export interface Session {
  sid: string;
  account: string;
  /** The login's `session` parameter; logins with the same name coexist unless the box is set to kick (107). */
  name: string;
  synotoken: string | undefined;
  last_used_at: number;
  state: 'live' | 'expired' | 'kicked';
}

export type SessionLookup = { session: Session; code?: undefined } | { session?: undefined; code: 106 | 107 | 119 };

/**
 * Login sessions as DSM keeps them. Dead sessions stay known so that their sid answers the right
 * code: the expiry code after idling or an explicit expiry, 107 after a duplicate login (only where
 * the box is set to treat one as such), 119 when the sid was never issued or was logged out.
 */
export class SessionStore {
  private readonly bySid = new Map<string, Session>();
  private readonly liveByAccountAndName = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly expiryCode: 106 | 119,
    private readonly duplicateLoginKicks: boolean,
  ) {}

  open(account: string, name: string, withSynoToken: boolean, now: number): Session {
    const key = `${account}\u0000${name}`;
    const previous = this.liveByAccountAndName.get(key);
    if (previous !== undefined && this.duplicateLoginKicks) previous.state = 'kicked';
    const session: Session = {
      sid: randomSecret(48),
      account,
      name,
      synotoken: withSynoToken ? randomSecret(12) : undefined,
      last_used_at: now,
      state: 'live',
    };
    this.bySid.set(session.sid, session);
    this.liveByAccountAndName.set(key, session);
    return session;
  }

  /** Finds a live session and marks it used; idle sessions expire here. */
  use(sid: string | undefined, now: number): SessionLookup {
    const session = sid === undefined || sid === '' ? undefined : this.bySid.get(sid);
    if (session === undefined) return { code: 119 };
    if (session.state === 'live' && now - session.last_used_at > this.ttlMs) this.expire(session);
    if (session.state === 'kicked') return { code: 107 };
    if (session.state === 'expired') return { code: this.expiryCode };
    session.last_used_at = now;
    return { session };
  }

  /** Ends the session of this sid, whatever its state; `false` when the sid is unknown. */
  close(sid: string): boolean {
    const session = this.bySid.get(sid);
    if (session === undefined) return false;
    this.bySid.delete(sid);
    const key = `${session.account}\u0000${session.name}`;
    if (this.liveByAccountAndName.get(key) === session) this.liveByAccountAndName.delete(key);
    return true;
  }

  expire(session: Session): void {
    session.state = 'expired';
    const key = `${session.account}\u0000${session.name}`;
    if (this.liveByAccountAndName.get(key) === session) this.liveByAccountAndName.delete(key);
  }

  expireAll(): void {
    for (const session of this.bySid.values()) if (session.state === 'live') this.expire(session);
  }

  /** Sessions that are still usable. */
  get liveCount(): number {
    let count = 0;
    for (const session of this.bySid.values()) if (session.state === 'live') count += 1;
    return count;
  }
}
