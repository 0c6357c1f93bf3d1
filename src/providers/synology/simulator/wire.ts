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

/** A complete JSON string literal; anything else (a name that merely starts with a quote) is taken as it is. */
const JSON_STRING = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"$/;

/**
 * Typed readers over the merged query and form parameters of one request. For APIs declared with
 * `requestFormat: JSON`, a string parameter sent JSON-quoted (`guest_name="win10"`, as some clients
 * encode every value) reads as the string inside.
 */
export class Params {
  constructor(
    readonly raw: Readonly<Record<string, string>>,
    private readonly jsonStrings = false,
  ) {}

  has(name: string): boolean {
    return this.raw[name] !== undefined;
  }

  string(name: string): string | undefined {
    const value = this.raw[name];
    if (!this.jsonStrings || value === undefined || !JSON_STRING.test(value)) return value;
    return JSON.parse(value) as string;
  }

  /** A present, non-empty string, or 401 naming the parameter. */
  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw badParameter(name, 'required');
    return value;
  }

  /**
   * A multi-value string parameter (`additional=network,storage`) split by the guide's rule: values
   * are separated by commas, a comma inside a value is sent as `\,` and a backslash as `\\`.
   */
  list(name: string): string[] | undefined {
    const value = this.string(name);
    return value === undefined ? undefined : splitMultiValue(value);
  }

  integer(name: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value.trim())) throw badParameter(name, `not an integer: ${value}`);
    const number = Number(value);
    if (number < min || number > max) throw badParameter(name, `must be between ${min} and ${max}`);
    return number;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.string(name);
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

/** The guide's escaping, undone: `\,` is a comma inside a value, `\\` a backslash. */
export function splitMultiValue(text: string): string[] {
  const values: string[] = [];
  let current = '';
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\' && index + 1 < text.length) {
      index += 1;
      current += text[index];
    } else if (char === ',') {
      values.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  values.push(current);
  return values;
}
