import { ErrorCode, McpError, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { isOperationError } from '../errors.js';
import { redact } from '../safety/redact.js';

/** MCP's code for a resource that does not exist (specification: resources, error handling). */
const RESOURCE_NOT_FOUND = -32002;

export function jsonResource(uri: URL, data: Record<string, unknown>): ReadResourceResult {
  return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(redact(data)) }] };
}

/** Reads fail as protocol errors (resources have no error result); the text still says what to do. */
export async function readOrExplain(uri: URL, read: () => Promise<Record<string, unknown>>): Promise<ReadResourceResult> {
  try {
    return jsonResource(uri, await read());
  } catch (error) {
    if (!isOperationError(error)) throw error;
    const next = error.next === undefined ? '' : ` Next: ${error.next}`;
    const code = error.kind === 'not_found' ? RESOURCE_NOT_FOUND : ErrorCode.InternalError;
    throw new McpError(code, `Reading ${uri.href} failed: ${error.message}.${next}`);
  }
}
