import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP, isIPv6 } from 'node:net';

/**
 * Who may talk to the HTTP transport. Two independent gates: the bearer token (is this caller one of
 * ours?) and the Host/Origin allow-lists (is this a browser page that DNS rebinding pointed at us?).
 */

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** True for addresses only this machine can reach: localhost, 127.0.0.0/8 and ::1 (in any spelling). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  if (family === 0) return false;
  return loopback.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** How a host appears in a URL or a Host header: IPv6 literals are bracketed. */
export function hostForUrl(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** 0.0.0.0 and :: mean "every interface", not an address a client could send in Host. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** The Host values a client on this machine sends, plus the bound address itself when it is a specific one. */
export function defaultAllowedHosts(boundHost: string, port: number): string[] {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const own = `${hostForUrl(boundHost)}:${port}`;
  if (!isWildcardHost(boundHost) && !hosts.includes(own)) hosts.push(own);
  return hosts;
}

/** A page served from one of our own hosts, over either scheme (a TLS proxy in front makes it https). */
export function defaultAllowedOrigins(allowedHosts: readonly string[]): string[] {
  return allowedHosts.flatMap((host) => [`http://${host}`, `https://${host}`]);
}

export type AccessVerdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

export interface AccessRules {
  token: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
}

export interface AccessRequest {
  host: string | undefined;
  origin: string | undefined;
  authorization: string | undefined;
}

export class HttpAccess {
  private readonly tokenDigest: Buffer;
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(rules: AccessRules) {
    this.tokenDigest = digest(rules.token);
    this.hosts = new Set(rules.allowedHosts.map((host) => host.toLowerCase()));
    this.origins = new Set(rules.allowedOrigins.map((origin) => origin.toLowerCase()));
  }

  /** The Host/Origin gate alone: applies to every path, so a rebound page cannot read anything. */
  checkOrigin(request: Pick<AccessRequest, 'host' | 'origin'>): AccessVerdict {
    if (request.host === undefined || !this.hosts.has(request.host.toLowerCase())) {
      return { ok: false, status: 403, reason: 'Host header not allowed' };
    }
    if (request.origin !== undefined && !this.origins.has(request.origin.toLowerCase())) {
      return { ok: false, status: 403, reason: 'Origin not allowed' };
    }
    return { ok: true };
  }

  /** Host/Origin first, then the bearer token. */
  check(request: AccessRequest): AccessVerdict {
    const origin = this.checkOrigin(request);
    if (!origin.ok) return origin;
    if (!this.tokenMatches(request.authorization)) return { ok: false, status: 401, reason: 'Unauthorized' };
    return { ok: true };
  }

  private tokenMatches(authorization: string | undefined): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const presented = match?.[1];
    if (presented === undefined) return false;
    // Comparing fixed-length digests keeps the time spent independent of where the strings differ and of their lengths.
    return timingSafeEqual(digest(presented), this.tokenDigest);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
