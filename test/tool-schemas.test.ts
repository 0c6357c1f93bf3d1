import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, structured, type Harness } from './mcp-harness.js';

/**
 * What tools/list promises about structuredContent, checked the way a client checks it: every tool is
 * called on the simulator (write tools on their success paths, destructive tools both for the
 * confirmation request and for the confirmed result) and each answer is validated against the tool's
 * published outputSchema with the SDK's own JSON Schema validator (Ajv).
 */

type Schema = Record<string, unknown>;

/** Paths of the schema nodes that say nothing about their value's type (`{}` and the like). */
function untypedNodes(schema: Schema, path = '$'): string[] {
  const found: string[] = [];
  if (Array.isArray(schema.anyOf)) {
    (schema.anyOf as Schema[]).forEach((member, index) => found.push(...untypedNodes(member, `${path}.anyOf[${index}]`)));
    if (schema.type === undefined) return found;
  } else if (schema.type === undefined) {
    return [path];
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('array')) {
    if (typeof schema.items !== 'object' || schema.items === null || Array.isArray(schema.items)) found.push(`${path}[] (no single item schema)`);
    else found.push(...untypedNodes(schema.items as Schema, `${path}[]`));
  }
  if (types.includes('object')) {
    for (const [field, value] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      found.push(...untypedNodes(value, `${path}.${field}`));
    }
    if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) {
      found.push(...untypedNodes(schema.additionalProperties as Schema, `${path}.*`));
    }
  }
  return found;
}

/** Required fields named by an object schema, at every depth: the listing must say which fields are always there. */
function objectsWithoutRequired(schema: Schema, path = '$'): string[] {
  const found: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  if (Object.keys(properties).length > 0 && !Array.isArray(schema.required)) found.push(path);
  for (const [field, value] of Object.entries(properties)) found.push(...objectsWithoutRequired(value, `${path}.${field}`));
  if (typeof schema.items === 'object' && schema.items !== null) found.push(...objectsWithoutRequired(schema.items as Schema, `${path}[]`));
  for (const [index, member] of ((schema.anyOf ?? []) as Schema[]).entries()) found.push(...objectsWithoutRequired(member, `${path}.anyOf[${index}]`));
  return found;
}

const validator = new AjvJsonSchemaValidator();

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

interface Checked {
  /** Tool name -> how many answers were validated. */
  validated: Map<string, number>;
  confirmations: Set<string>;
  call(name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

async function checking(h: Harness): Promise<Checked> {
  const { tools } = await h.client.listTools();
  const schemas = new Map(tools.map((tool: Tool) => [tool.name, tool.outputSchema]));
  const validated = new Map<string, number>();
  const confirmations = new Set<string>();
  return {
    validated,
    confirmations,
    async call(name, args = {}) {
      const result: CallToolResult = await h.call(name, args);
      const data = structured(result);
      const schema = schemas.get(name);
      if (schema === undefined) throw new Error(`${name} is not listed with an outputSchema`);
      const verdict = validator.getValidator(schema)(data);
      expect(verdict.errorMessage, `${name} ${JSON.stringify(args)}: ${JSON.stringify(data)}`).toBeUndefined();
      expect(verdict.valid, name).toBe(true);
      validated.set(name, (validated.get(name) ?? 0) + 1);
      if (data.status === 'confirmation_required') confirmations.add(name);
      return data;
    },
  };
}

/** Input fields without a description, at every depth (array items and union members inherit their field's). */
function undescribedFields(schema: Schema, path = ''): string[] {
  const found: string[] = [];
  for (const [field, value] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const at = path === '' ? field : `${path}.${field}`;
    if (typeof value.description !== 'string' || value.description.trim() === '') found.push(at);
    found.push(...undescribedFields(value, at));
    const items = value.items as Schema | undefined;
    for (const member of [items, ...((items?.anyOf ?? []) as Schema[])]) if (member !== undefined) found.push(...undescribedFields(member, `${at}[]`));
  }
  return found;
}

describe('published input schemas', () => {
  it('describe and type every field of every tool, nested ones included, with one target and with several', async () => {
    for (const targets of [[{ name: 'nas' }], [{ name: 'nas' }, { name: 'lab' }]]) {
      harness = await startHarness({ targets });
      const { tools } = await harness.client.listTools();
      for (const tool of tools) {
        expect(undescribedFields(tool.inputSchema as Schema), tool.name).toEqual([]);
        expect(untypedNodes(tool.inputSchema as Schema), tool.name).toEqual([]);
      }
      await harness.close();
      harness = undefined;
    }
  });

  it('finds what the check is for: a field without description, also inside array items', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'array', description: 'B.', items: { anyOf: [{ type: 'object', properties: { c: { type: 'number' } } }] } } } };
    expect(undescribedFields(schema)).toEqual(['a', 'b[].c']);
  });
});

describe('published output schemas', () => {
  it('type every node of every tool result: no {} leaves, array item types, required fields on every object', async () => {
    harness = await startHarness();
    const { tools } = await harness.client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    for (const tool of tools) {
      const schema = tool.outputSchema as Schema | undefined;
      expect(schema?.type, tool.name).toBe('object');
      expect(untypedNodes(schema ?? {}), tool.name).toEqual([]);
      expect(objectsWithoutRequired(schema ?? {}), tool.name).toEqual([]);
    }
    const byName = new Map(tools.map((tool) => [tool.name, tool.outputSchema as Schema]));
    const listVms = byName.get('list_vms')?.properties as Record<string, Schema>;
    expect(listVms.next_offset).toEqual({ type: ['number', 'null'] });
    expect(listVms.vms).toEqual({ type: 'array', items: { type: 'array', items: { type: ['string', 'number', 'null'] } } });
    const vm = (byName.get('get_vm')?.properties as Record<string, Schema>).vm as Schema;
    expect(vm.required).toEqual(expect.arrayContaining(['id', 'name', 'status', 'vcpus', 'ram_mb', 'disks', 'nics']));
    expect(vm.required).not.toContain('host');
    expect((vm.properties as Record<string, Schema>).autorun).toMatchObject({ type: 'string', enum: ['off', 'last_state', 'on'] });
  });

  it('finds what the check is for: an untyped leaf, an array without item schema, an object without required', () => {
    expect(untypedNodes({ type: 'object', properties: { a: {}, b: { type: 'array' }, c: { anyOf: [{ type: 'string' }, {}] } } })).toEqual([
      '$.a',
      '$.b[] (no single item schema)',
      '$.c.anyOf[1]',
    ]);
    expect(objectsWithoutRequired({ type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } } } }, required: ['a'] })).toEqual(['$.a']);
  });

  it('match every answer of every tool on the official-style simulator, confirmation requests included', async () => {
    harness = await startHarness();
    const checked = await checking(harness);
    const { call } = checked;
    const storage = 'nas-01 - VM Storage 1';
    const network = 'Default VM Network';

    await call('list_targets');
    await call('list_vms');
    await call('list_vms', { name: 'web-*', status: 'running', limit: 1 });
    await call('get_vm', { vm: 'db-01' });
    await call('get_vm', { vm: 'win10' });
    // The guide's Guest.Image list has no size; this DSM 7 box's internal image list gives it.
    const images = (await call('list_images')).images as Array<Record<string, unknown>>;
    expect(images.length).toBeGreaterThan(0);
    expect(images.filter((image) => typeof image.size_gb !== 'number')).toEqual([]);
    await call('get_image', { image: 'debian-12-cloud' });
    await call('list_hosts');
    await call('list_storages');
    await call('list_networks');
    await call('show_dashboard');

    const image = await call('create_image', { name: 'schema-image', ds_file_path: '/share/schema.img', type: 'disk', storages: [storage] });
    const imageTask = (image.task as { task_id: string }).task_id;
    await call('list_tasks');
    await call('show_dashboard');
    await call('get_task', { task_id: imageTask });
    await call('wait_task', { task_id: imageTask, timeout_s: 60 });

    await call('create_vm', { name: 'schema-started', storage, disks: [{ size_gb: 8 }], networks: [network] });
    await call('create_vm', { name: 'schema-parts', storage, disks: [{ size_gb: 8 }, { image: 'debian-12-cloud' }], networks: [network], vcpus: 1, ram_mb: 512, wait: true, timeout_s: 60 });
    await call('create_vm_from_image', { name: 'schema-clone', image: 'debian-12-cloud', storage, network, vcpus: 1, ram_mb: 1024, timeout_s: 60 });
    await call('power_on', { vm: 'schema-clone' });
    await call('power_on', { vm: 'schema-clone', wait: true, timeout_s: 60 });
    await call('shutdown', { vm: 'schema-clone', wait: true, timeout_s: 60 });
    await call('update_vm', { vm: 'schema-parts', new_name: 'schema-renamed', vcpus: 2, autorun: 'on', description: 'typed' });

    const confirmAndRun = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const request = await call(name, args);
      expect(request.status, name).toBe('confirmation_required');
      return call(name, { ...args, confirm_token: request.confirm_token });
    };
    expect((await confirmAndRun('power_off', { vm: 'web-01', wait: true, timeout_s: 60 })).status).toBe('done');
    expect((await confirmAndRun('delete_vm', { vm: 'schema-renamed' })).status).toBe('deleted');
    expect((await confirmAndRun('delete_image', { image: 'schema-image' })).status).toBe('deleted');

    // A tool added to the catalog fails here until this walk calls it.
    const { tools } = await harness.client.listTools();
    const unchecked = tools.map((tool) => tool.name).filter((name) => !checked.validated.has(name));
    expect(unchecked, 'listed tools whose answers this test never validated').toEqual([]);
    const destructive = tools.filter((tool) => tool.annotations?.destructiveHint === true).map((tool) => tool.name);
    expect(destructive.filter((name) => !checked.confirmations.has(name)), 'destructive tools whose confirmation request was not validated').toEqual([]);
  });

  it('match the answers of the read tools on the compact-style simulator, whose images carry a size', async () => {
    harness = await startHarness({ simulator: { style: 'compact' } });
    const { call } = await checking(harness);
    for (const name of ['list_targets', 'list_vms', 'list_images', 'list_tasks']) await call(name);
    await call('get_vm', { vm: 'db-01' });
    const images = (await call('list_images')).images as Array<Record<string, unknown>>;
    expect(images.every((image) => typeof image.size_gb === 'number')).toBe(true);
  });
});
