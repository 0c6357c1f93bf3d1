/** Request parameters as Sinatra merges them: the query string, then a form or JSON body. */
export class Params {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** For the request log. */
  toObject(): Record<string, string> {
    return Object.fromEntries(this.values);
  }
}
