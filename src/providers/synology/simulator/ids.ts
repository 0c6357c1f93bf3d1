import { randomBytes } from 'node:crypto';

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

  /** 32 hex digits mixed from (seed, counter): cheap enough for inventories of 10,000 VMs. */
  private nextHash(): string {
    this.counter += 1;
    let hex = '';
    for (let lane = 0; lane < 4; lane += 1) {
      hex += mix32(this.seed * 0x9e3779b1 + this.counter * 4 + lane).toString(16).padStart(8, '0');
    }
    return hex;
  }
}

/** MurmurHash3's 32-bit finalizer: a bijective avalanche of one integer. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function randomSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
