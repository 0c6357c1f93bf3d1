import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_API, type LunaNodeSimulatorHandle, startLunaNodeSimulator } from '../src/providers/lunanode/simulator/index.js';
import { DEMO_USER, startSimulator, type SimulatorHandle } from '../src/providers/synology/simulator/index.js';
import { TOOL_DEFINITIONS } from '../src/tools/index.js';
import { leaks, simulatorSecrets, startServer, type ServerUnderTest } from './fault-harness.js';
import { createRandom, fuzzArguments, fuzzSeed, type FuzzVocabulary, type JsonSchema } from './fuzz-inputs.js';

/**
 * Every tool gets random and hostile arguments. Whatever arrives: the server answers (no crash, no
 * hang), invalid arguments get a clear `isError` result and never reach the backend as a write, and
 * valid ones either work or fail with a clear message. A failure prints its seed; replay it with
 * `FUZZ_SEED=<seed> npx vitest run test/fuzz-tools.test.ts` (after `npm run build`).
 */

const CALLS_PER_TOOL = 40;
const SEED = fuzzSeed();

/** DSM methods that change something, in both API styles. */
const WRITE_METHODS = new Set([
  'SYNO.Virtualization.API.Guest create',
  'SYNO.Virtualization.API.Guest set',
  'SYNO.Virtualization.API.Guest delete',
  'SYNO.Virtualization.API.Guest.Action poweron',
  'SYNO.Virtualization.API.Guest.Action poweroff',
  'SYNO.Virtualization.API.Guest.Action shutdown',
  'SYNO.Virtualization.API.Guest.Image create',
  'SYNO.Virtualization.API.Guest.Image delete',
  'SYNO.Virtualization.Guest PowerOn',
  'SYNO.Virtualization.Guest PowerOff',
  'SYNO.Virtualization.Guest Shutdown',
  'SYNO.Virtualization.Guest Delete',
  'SYNO.Virtualization.Guest Set',
  'SYNO.Virtualization.Image Create',
  'SYNO.Virtualization.Image Delete',
]);

/** LunaNode endpoints that change something. */
const LUNANODE_WRITES = new Set(['vm/start/', 'vm/stop/', 'vm/reboot/', 'vm/delete/', 'vm/rename/', 'vm/create/', 'vm/snapshot/', 'image/fetch/', 'image/rename/', 'image/replicate/', 'image/delete/']);

let simulator: SimulatorHandle;
let luna: LunaNodeSimulatorHandle;
let server: ServerUnderTest;
let schemas: Map<string, JsonSchema>;

/** Two targets, a DSM (nas, the default) and a LunaNode (luna), so that every tool is listed. */
beforeAll(async () => {
  simulator = await startSimulator({ powerSettleMs: 20, taskDurationMs: 50 });
  luna = await startLunaNodeSimulator({ durations: { buildMs: 50, powerMs: 20, imageMs: 50 } });
  const config = join(mkdtempSync(join(tmpdir(), 'vmm-fuzz-')), 'targets.json');
  writeFileSync(
    config,
    JSON.stringify({
      targets: [
        { name: 'nas', url: simulator.url, username: DEMO_USER.account, password_env: 'FUZZ_NAS_PASSWORD' },
        { name: 'luna', type: 'lunanode', url: luna.url, api_id: DEMO_API.apiId, api_key_env: 'FUZZ_LUNA_KEY', region: 'toronto' },
      ],
    }),
  );
  server = await startServer(simulator, { VMM_CONFIG: config, FUZZ_NAS_PASSWORD: DEMO_USER.password, FUZZ_LUNA_KEY: DEMO_API.apiKey });
  const listed = await server.client.listTools();
  schemas = new Map(listed.tools.map((tool) => [tool.name, tool.inputSchema as JsonSchema]));
});

afterAll(async () => {
  await server?.close();
  await simulator?.close();
  await luna?.close();
});

function vocabulary(sim: SimulatorHandle): FuzzVocabulary {
  const { state } = sim;
  const lunaVms = [...luna.state.vms.values()].flatMap((vm) => [vm.name, vm.vm_id]);
  const lunaImages = [...luna.state.images.values()].map((image) => image.image_id);
  const vms = [...[...state.vms.values()].flatMap((vm) => [vm.name, vm.id]), ...lunaVms];
  const images = [...[...state.images.values()].flatMap((image) => [image.name, image.id]), ...lunaImages];
  const storages = [...state.storages.values()].map((storage) => storage.name);
  const networks = [...state.networks.values()].map((network) => network.name);
  const hosts = [...state.hosts.values()].map((host) => host.name);
  const tasks = [...state.tasks.keys()];
  return {
    names: [...vms, ...images, ...storages, ...networks, ...hosts, ...tasks],
    byProperty: {
      vm: vms,
      image: images,
      storage: storages,
      storages,
      network: networks,
      networks,
      host: hosts,
      task_id: tasks,
      // The configured targets; a random word here would stop every call before it goes anywhere.
      target: ['nas', 'luna'],
      destination: ['montreal', 'roubaix'],
      region: ['toronto', 'montreal'],
      url: ['https://example.com/fuzz.qcow2'],
      confirm_token: ['not-a-real-token'],
      name: ['fuzz-made-vm'],
      new_name: ['fuzz-renamed'],
      ds_file_path: ['/share/fuzz.img'],
    },
  };
}

/**
 * The arguments as the tool's schema receives them: the JSON the client sends, less a top-level
 * "__proto__" key, which the SDK's parsing of `arguments` (a zod record) drops without touching any
 * prototype. Had a prototype been polluted, every later strict parse would meet the inherited key and
 * fail, which the valid calls after it would show.
 */
function asReceived(args: Record<string, unknown>): Record<string, unknown> {
  const wire = JSON.parse(JSON.stringify(args)) as Record<string, unknown>;
  if (Object.hasOwn(wire, '__proto__')) delete wire.__proto__;
  return wire;
}

function writesSince(sim: SimulatorHandle, from: { dsm: number; luna: number }): string[] {
  const dsm = sim.stats.requests
    .slice(from.dsm)
    .map((request) => `${request.api} ${request.method}`)
    .filter((call) => WRITE_METHODS.has(call));
  const lunaNode = luna.requests.slice(from.luna).map((request) => request.endpoint).filter((endpoint) => LUNANODE_WRITES.has(endpoint));
  return [...dsm, ...lunaNode];
}

/** Why an error text would not help its reader, or undefined when it is clear. */
function unclear(text: string): string | undefined {
  if (text.trim().length < 10) return `too short: ${JSON.stringify(text)}`;
  if (/\[object Object\]|^undefined$|^null$/m.test(text)) return `unrendered value: ${text.slice(0, 200)}`;
  if (/\n\s+at .+:\d+:\d+\)?/.test(text)) return `stack trace: ${text.slice(0, 200)}`;
  return undefined;
}

function shorten(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}... (${text.length} chars)` : text;
}

describe(`tool input fuzzing (FUZZ_SEED=${SEED})`, () => {
  it('lists every defined tool with an input schema', () => {
    expect([...schemas.keys()].sort()).toEqual(TOOL_DEFINITIONS.map((tool) => tool.name).sort());
  });

  it.each(TOOL_DEFINITIONS.map((tool) => [tool.name, tool] as const))(
    'answers %s clearly for any input, and lets no invalid input reach the backend as a write',
    async (name, tool) => {
      const schema = schemas.get(name);
      expect(schema).toBeDefined();
      const random = createRandom((SEED ^ hash(name)) >>> 0);
      const problems: string[] = [];
      for (let i = 0; i < CALLS_PER_TOOL; i++) {
        const args = fuzzArguments(random, schema as JsonSchema, vocabulary(simulator));
        const valid = tool.input.safeParse(asReceived(args)).success;
        const from = { dsm: simulator.stats.requests.length, luna: luna.requests.length };
        const where = `call ${i} (${valid ? 'valid' : 'invalid'}) ${shorten(args)}`;
        try {
          const answer = await server.call(name, args);
          const writes = writesSince(simulator, from);
          if (!valid && !answer.isError) problems.push(`${where}: invalid input was accepted: ${answer.text.slice(0, 200)}`);
          if (!valid && writes.length > 0) problems.push(`${where}: invalid input reached the backend as ${writes.join(', ')}`);
          const why = answer.isError ? unclear(answer.text) : undefined;
          if (why !== undefined) problems.push(`${where}: unclear error, ${why}`);
        } catch (error) {
          problems.push(`${where}: no tool result: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      expect(problems, `replay with FUZZ_SEED=${SEED}`).toEqual([]);
    },
  );

  it('is still up and answering after all of it, and never printed a secret', async () => {
    const answer = await server.call('list_vms', {});
    expect(answer.isError, answer.text).toBe(false);
    expect(server.stderr()).not.toMatch(/unhandled|unexpected failure/i);
    expect(leaks([...server.transcript(), server.stderr()], simulatorSecrets(simulator))).toEqual([]);
  });
});

/** Each tool gets its own stream of values, so adding a tool does not change the others' inputs. */
function hash(text: string): number {
  let h = 2166136261;
  for (const char of text) h = Math.imul(h ^ char.charCodeAt(0), 16777619);
  return h >>> 0;
}
