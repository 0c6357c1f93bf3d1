import { createHash, randomBytes } from 'node:crypto';

/**
 * Ids that tests can rely on: every object id is derived from a seeded counter, so the same options
 * produce the same ids in every run. Only secrets (sids, tokens, device ids) are random.
 */
export class IdSource {
  private counter = 0;

  constructor(private readonly seed: number) {}

  /** A UUID-shaped id, like the ones DSM uses for guests, disks, storages and hosts. */
  uuid(): string {
    const hex = this.nextHash();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** A locally administered MAC in Synology's 02:11:32 range. */
  mac(): string {
    const hex = this.nextHash();
    return `02:11:32:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
  }

  /** Official task ids look like `@administrators/virtualization_api_guest_create5BB3389D4A406062`. */
  taskId(kind: string): string {
    return `@administrators/virtualization_api_${kind}${this.nextHash().slice(0, 16).toUpperCase()}`;
  }

  private nextHash(): string {
    this.counter += 1;
    return createHash('sha1').update(`${this.seed}/${this.counter}`).digest('hex');
  }
}

export function randomSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
