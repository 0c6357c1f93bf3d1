/**
 * The DSM web API's envelope and parameter conventions: answers are HTTP 200 with
 * `{success:true,data}` or `{success:false,error:{code,errors?}}`; parameters are strings, arrays
 * and objects JSON-encoded, booleans `true`/`false`.
 */

type ErrorDetail = Record<string, unknown>;

/** A `success:false` answer, thrown by handlers. */
export class DsmFailure extends Error {
  constructor(
    readonly code: number,
    readonly errors?: ErrorDetail,
  ) {
    super(`DSM error ${code}`);
  }
}

/** 401 "Bad parameter" naming the parameter and why, as real boxes do in `error.errors`. */
export function badParameter(name: string, reason: string): DsmFailure {
  return new DsmFailure(401, { name, reason });
}

/** An error code with a human-readable reason in `error.errors`. */
export function failure(code: number, reason: string): DsmFailure {
  return new DsmFailure(code, { reason });
}

export function successBody(data: unknown): string {
  return JSON.stringify(data === undefined ? { success: true } : { success: true, data });
}

export function failureBody(error: DsmFailure): string {
  return JSON.stringify({ success: false, error: error.errors === undefined ? { code: error.code } : { code: error.code, errors: error.errors } });
}

/** Typed readers over the merged query and form parameters of one request. */
export class Params {
  constructor(readonly raw: Readonly<Record<string, string>>) {}

  has(name: string): boolean {
    return this.raw[name] !== undefined;
  }

  string(name: string): string | undefined {
    return this.raw[name];
  }

  /** A present, non-empty string, or 401 naming the parameter. */
  required(name: string): string {
    const value = this.raw[name];
    if (value === undefined || value === '') throw badParameter(name, 'required');
    return value;
  }

  integer(name: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value.trim())) throw badParameter(name, `not an integer: ${value}`);
    const number = Number(value);
    if (number < min || number > max) throw badParameter(name, `must be between ${min} and ${max}`);
    return number;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw[name];
    if (value === undefined) return fallback;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw badParameter(name, `not a boolean (true or false): ${value}`);
  }

  /** A JSON-encoded parameter (arrays and objects travel this way). */
  json(name: string): unknown {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch (error) {
      throw badParameter(name, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** A JSON array of strings (storage_ids, storage_names). */
  stringArray(name: string): string[] | undefined {
    const value = this.json(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw badParameter(name, 'must be a JSON array of strings');
    }
    return value;
  }
}
