import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Capability } from '../vmm/backend.js';
import type { ToolDefinition } from './define.js';

/**
 * How tools/list shows a tool. Every byte of it sits in the agent's context for the whole conversation,
 * so the schemas carry what a caller needs and nothing twice:
 * - no `$schema`: the constructs used here read the same in draft-07 and in 2020-12 (MCP's default);
 * - input schemas stay strict (`additionalProperties: false`), with types, numeric bounds, defaults,
 *   enums, required fields and descriptions; string patterns and lengths are left to the boundary
 *   (they refuse control characters, a relative path or 255+ characters, and its refusal names the rule);
 * - `target` is listed only when there is a choice, as the list of target names, and an argument only
 *   some systems take (`inputNeeds`) only when a target may have what it needs;
 * - a tool's MCP App metadata goes only to clients that render apps: to others it is bytes about a view
 *   they will never show;
 * - output schemas are the real JSON Schema of `structuredContent` (clients validate it): types,
 *   required fields, enumerations and nullability at every depth. Left out: descriptions (names and
 *   units say what a field is; the tool description says the rest), string rules and defaults (they
 *   bound what callers send, not what the server answers), and closed-object markers, so that a client
 *   built against this listing still accepts an answer that gained a field.
 * The boundary validates with the full zod schemas, whatever the listing leaves out.
 */
export function describeTool(
  tool: ToolDefinition,
  targetNames: readonly string[],
  offered: ReadonlySet<Capability>,
  client: { rendersApps: boolean },
): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: inputSchema(tool, targetNames, offered),
    outputSchema: outputSchema(tool.output),
    annotations: tool.annotations,
    ...(client.rendersApps && tool.appMeta !== undefined ? { _meta: tool.appMeta } : {}),
  };
}

type Json = Record<string, unknown>;

const STRING_RULES = new Set(['pattern', 'minLength', 'maxLength']);

/** String rules, and the safe integer range, which is how zod says "integer" rather than a real bound. */
function isBoundaryRule(key: string, value: unknown): boolean {
  return STRING_RULES.has(key) || (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) || (key === 'minimum' && value === Number.MIN_SAFE_INTEGER);
}

function inputSchema(tool: ToolDefinition, targetNames: readonly string[], offered: ReadonlySet<Capability>): Tool['inputSchema'] {
  const json = without(objectSchema(tool.input, 'input'), isBoundaryRule) as Json;
  const properties = { ...(json.properties as Record<string, Json> | undefined) };
  for (const [field, needs] of Object.entries(tool.inputNeeds)) {
    if (!needs.some((capability) => offered.has(capability))) delete properties[field];
  }
  if (tool.scope === 'target') {
    const [first] = targetNames;
    if (targetNames.length > 1 && first !== undefined) {
      properties.target = { type: 'string', enum: [...targetNames], description: `Target to act on. Default: ${first}.` };
    } else {
      delete properties.target;
    }
  }
  return { ...json, type: 'object', properties };
}

const NOT_IN_OUTPUT = new Set(['description', 'default', 'propertyNames', 'additionalProperties']);

function outputSchema(schema: z.ZodType): Tool['outputSchema'] {
  return without(objectSchema(schema, 'output'), (key, value) => NOT_IN_OUTPUT.has(key) || isBoundaryRule(key, value)) as Tool['outputSchema'];
}

/** MCP wants `type: "object"` at the top, also where the schema is a union of object shapes. */
function objectSchema(schema: z.ZodType, io: 'input' | 'output'): Json & { type: 'object' } {
  const json: Json = { ...z.toJSONSchema(schema, { target: 'draft-7', io }) };
  delete json.$schema;
  return { ...json, type: 'object' };
}

/**
 * The schema without the keywords `drop` picks, at every depth. Only keyword positions are looked at:
 * the names inside `properties` are fields, whatever they are called.
 */
function without(node: unknown, drop: (key: string, value: unknown) => boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => without(item, drop));
  if (typeof node !== 'object' || node === null) return node;
  const kept: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      kept[key] = Object.fromEntries(Object.entries(value).map(([field, schema]) => [field, without(schema, drop)]));
    } else if (!drop(key, value)) {
      kept[key] = without(value, drop);
    }
  }
  return kept;
}
