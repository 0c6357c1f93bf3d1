/** Failures a test can ask for: the next matching requests fail in transit or with a 5xx page. */

export type FaultKind = 'http500' | 'http502' | 'drop';

export interface FaultSpec {
  kind: FaultKind;
  /** HTTP method to match (default any). */
  method?: string;
  /** Path below /api/12.03 to match by prefix (default any). */
  path?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export class Faults {
  private readonly pending: Array<Required<Omit<FaultSpec, 'method' | 'path'>> & Pick<FaultSpec, 'method' | 'path'>> = [];

  add(spec: FaultSpec): void {
    this.pending.push({ ...spec, times: spec.times ?? 1 });
  }

  clear(): void {
    this.pending.length = 0;
  }

  take(method: string, path: string): FaultKind | undefined {
    const fault = this.pending.find(
      (candidate) => (candidate.method === undefined || candidate.method === method) && (candidate.path === undefined || path.startsWith(candidate.path)),
    );
    if (fault === undefined) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.pending.splice(this.pending.indexOf(fault), 1);
    return fault.kind;
  }
}
