import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { DEMO_USER, startSimulator, type SimulatorHandle, type SimulatorOptions } from '../src/providers/synology/simulator/index.js';
import { DirectDsm } from './direct-dsm.js';
import { machineInfo } from './machine.js';
import { callOk, collectGarbage, throughput, timed } from './measure.js';
import { round, summarize } from './stats.js';
import { StdioServer } from './stdio-server.js';

/**
 * `npm run bench`: one JSON document of figures on stdout (no verdicts; bench/README.md states the
 * goals). Everything runs against simulators on 127.0.0.1 with no injected latency.
 */

/** `VMM_BENCH_CLI` measures another build (an older checkout's dist/cli.js) with this same harness. */
const CLI_PATH = process.env.VMM_BENCH_CLI ?? fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const FLOOR_PATH = fileURLToPath(new URL('./floor-server.js', import.meta.url));
const OVERHEAD_WARMUP = 100;
const OVERHEAD_SAMPLES = 400;
const THROUGHPUT_MS = 1500;
const COLD_START_RUNS = 7;
const SCALE_SAMPLES = 25;
const BIG_INVENTORY = 10_000;
const LONG_TASK_MS = 60_000;
/** The session name of the baseline client, so its logins are not counted as the server's. */
const DIRECT_SESSION = 'vmm-mcp-bench-direct';

function serverFor(simulator: SimulatorHandle, extraEnv: Record<string, string> = {}): StdioServer {
  return new StdioServer(CLI_PATH, {
    env: {
      PATH: process.env.PATH,
      VMM_URL: simulator.url,
      VMM_USERNAME: DEMO_USER.account,
      VMM_PASSWORD: DEMO_USER.password,
      VMM_LOG_LEVEL: 'warning',
      ...extraEnv,
    },
  });
}

async function startedServer(simulator: SimulatorHandle): Promise<StdioServer> {
  const server = serverFor(simulator);
  await server.initialize();
  return server;
}

async function simulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  return startSimulator({ ...options });
}

function serverLogins(sim: SimulatorHandle): number {
  return sim.stats.requests.filter(
    (r) => r.api === 'SYNO.API.Auth' && r.method === 'login' && r.params.session !== DIRECT_SESSION,
  ).length;
}

function firstVm(simulator: SimulatorHandle): { id: string; name: string } {
  const vm = [...simulator.state.vms.values()][0];
  if (vm === undefined) throw new Error('the simulator has no VMs');
  return { id: vm.id, name: vm.name };
}

async function requestsPerCall(sim: SimulatorHandle, call: () => Promise<unknown>): Promise<number> {
  const before = sim.stats.requests.length;
  for (let i = 0; i < 10; i++) await call();
  return (sim.stats.requests.length - before) / 10;
}

/**
 * get_vm through MCP against the official-style `Guest get` sent directly, and a trivial tool of a bare
 * SDK server (the floor every SDK server pays), interleaved so drift hits all of them alike.
 */
async function overhead(sim: SimulatorHandle, server: StdioServer) {
  const vm = firstVm(sim);
  const direct = new DirectDsm(sim.url);
  await direct.login(DEMO_USER.account, DEMO_USER.password, DIRECT_SESSION);
  const floor = new StdioServer(FLOOR_PATH, { env: { PATH: process.env.PATH } });
  await floor.initialize();
  const viaMcp = (ref: string) => callOk(server, 'get_vm', { vm: ref });
  const viaHttp = () => direct.call('SYNO.Virtualization.API.Guest', 'get', { guest_id: vm.id });
  const viaFloor = () => callOk(floor, 'ping_tool', {});
  for (let i = 0; i < OVERHEAD_WARMUP; i++) {
    await viaMcp(vm.id);
    await viaMcp(vm.name);
    await viaHttp();
    await viaFloor();
  }
  collectGarbage();
  const mcpById: number[] = [];
  const mcpByName: number[] = [];
  const http: number[] = [];
  const sdkFloor: number[] = [];
  for (let i = 0; i < OVERHEAD_SAMPLES; i++) {
    mcpById.push((await timed(() => viaMcp(vm.id))).ms);
    http.push((await timed(viaHttp)).ms);
    sdkFloor.push((await timed(viaFloor)).ms);
    if (i % 2 === 0) mcpByName.push((await timed(() => viaMcp(vm.name))).ms);
  }
  const byId = await requestsPerCall(sim, () => viaMcp(vm.id));
  const byName = await requestsPerCall(sim, () => viaMcp(vm.name));
  await direct.close();
  await floor.close();
  const mcp = summarize(mcpById);
  const named = summarize(mcpByName);
  const baseline = summarize(http);
  const floorMs = summarize(sdkFloor);
  const added = mcp.median - baseline.median;
  const addedByName = named.median - baseline.median;
  return {
    get_vm_mcp_ms: mcp,
    get_vm_by_name_mcp_ms: named,
    guest_get_direct_http_ms: baseline,
    sdk_floor_trivial_tool_ms: floorMs,
    ratio_median: round(mcp.median / baseline.median, 2),
    added_median_ms: round(added),
    added_p99_ms: round(mcp.p99 - baseline.p99),
    added_by_name_median_ms: round(addedByName),
    added_over_sdk_floor: round(added / floorMs.median, 2),
    added_by_name_over_sdk_floor: round(addedByName / floorMs.median, 2),
    backend_requests_per_get_vm: byId,
    backend_requests_per_get_vm_by_name: byName,
  };
}

async function throughputs(sim: SimulatorHandle, server: StdioServer) {
  const vm = firstVm(sim);
  const tools = {
    list_vms: () => callOk(server, 'list_vms', {}),
    get_vm: () => callOk(server, 'get_vm', { vm: vm.id }),
  };
  const out: Record<string, Array<{ concurrency: number; calls: number; calls_per_s: number }>> = {};
  for (const [tool, call] of Object.entries(tools)) {
    out[tool] = [];
    for (const concurrency of [1, 8, 64]) {
      collectGarbage();
      out[tool].push(await throughput(concurrency, THROUGHPUT_MS, call));
    }
  }
  return out;
}

/**
 * Spawn to the first `tools/list` answer, the way a desktop client starts the server. The CPU time
 * the server spent until then is reported beside the wall time: on a busy machine it stays honest.
 */
async function coldStart(sim: SimulatorHandle) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < COLD_START_RUNS; i++) {
    const start = performance.now();
    const server = serverFor(sim);
    await server.initialize();
    const answer = await server.request('tools/list');
    wall.push(performance.now() - start);
    cpu.push(server.cpuTimeMs());
    if (answer.error !== undefined) throw new Error(`tools/list failed: ${answer.error.message}`);
    const code = await server.close();
    if (code !== 0) throw new Error(`server exited with code ${code} after a cold-start run:\n${server.stderr}`);
  }
  return { wall_ms: summarize(wall, 1), server_cpu_ms: summarize(cpu, 0) };
}

async function scale(bigSim: SimulatorHandle, server: StdioServer) {
  const sample = async (args: Record<string, unknown>, tool = 'list_vms') => {
    for (let i = 0; i < 3; i++) await callOk(server, tool, args);
    const ms: number[] = [];
    for (let i = 0; i < SCALE_SAMPLES; i++) ms.push((await timed(() => callOk(server, tool, args))).ms);
    return summarize(ms, 2);
  };
  const named = firstVm(bigSim);
  const list = await listAgainstDirect(bigSim, server, { name: named.name.slice(0, -1) });
  return {
    inventory_vms: bigSim.state.vms.size,
    list_vms_name_substring_ms: list.mcp,
    guest_list_direct_http_ms: list.direct,
    guest_list_request: list.request,
    guest_list_data_bytes: list.answerBytes,
    list_vms_name_substring_over_direct: round(list.mcp.median / list.direct.median, 2),
    list_vms_name_glob_ms: await sample({ name: `${named.name.slice(0, 4)}*5` }),
    list_vms_default_ms: await sample({}),
    get_vm_by_name_ms: await sample({ vm: named.name }, 'get_vm'),
  };
}

/**
 * list_vms with a name filter against the request it needs, sent directly and parsed with JSON.parse,
 * interleaved. The direct side replays the guest list exactly as the server asked for it (its parameters
 * read from the simulator's request log), so both sides fetch the same answer whatever the build asks.
 */
async function listAgainstDirect(bigSim: SimulatorHandle, server: StdioServer, args: Record<string, unknown>) {
  const direct = new DirectDsm(bigSim.url);
  await direct.login(DEMO_USER.account, DEMO_USER.password, DIRECT_SESSION);
  const viaMcp = () => callOk(server, 'list_vms', args);
  await viaMcp();
  const asked = guestListParams(bigSim);
  const viaHttp = () => direct.call(GUEST_API, 'list', asked.params);
  const answerBytes = Buffer.byteLength(JSON.stringify(await viaHttp()), 'utf8');
  for (let i = 0; i < 3; i++) {
    await viaMcp();
    await viaHttp();
  }
  const mcp: number[] = [];
  const http: number[] = [];
  for (let i = 0; i < SCALE_SAMPLES; i++) {
    mcp.push((await timed(viaMcp)).ms);
    http.push((await timed(viaHttp)).ms);
  }
  await direct.close();
  return { mcp: summarize(mcp, 2), direct: summarize(http, 2), request: asked.shown, answerBytes };
}

const GUEST_API = 'SYNO.Virtualization.API.Guest';
/** Parameters every DSM request carries; DirectDsm sets its own. */
const ENVELOPE = new Set(['api', 'version', 'method', '_sid', 'SynoToken']);

/** The parameters of the last guest list the server sent, and how they read in the report. */
function guestListParams(bigSim: SimulatorHandle) {
  const sent = bigSim.stats.requests.filter((r) => r.api === GUEST_API && r.method === 'list').at(-1);
  if (sent === undefined) throw new Error('list_vms sent no guest list');
  const params = Object.fromEntries(Object.entries(sent.params).filter(([key]) => !ENVELOPE.has(key)));
  const shown = ['list', ...Object.entries(params).map(([key, value]) => `${key}=${value}`)].join(' ');
  return { params, shown };
}

/** wait_task on a task that takes a minute: how often the server asks the backend, how often it reports. */
async function waitTask(sim: SimulatorHandle, server: StdioServer) {
  const direct = new DirectDsm(sim.url);
  await direct.login(DEMO_USER.account, DEMO_USER.password, DIRECT_SESSION);
  const storage = [...sim.state.storages.values()][0];
  if (storage === undefined) throw new Error('the simulator has no storage');
  const created = (await direct.call('SYNO.Virtualization.API.Guest.Image', 'create', {
    image_name: 'bench-long-task',
    type: 'disk',
    ds_file_path: '/share/bench.img',
    storage_names: JSON.stringify([storage.name]),
  })) as { task_id: string };
  await direct.close();
  let progressNotifications = 0;
  const stop = server.onNotification((n) => {
    if (n.method === 'notifications/progress' && n.params?.progressToken === 'bench-wait') progressNotifications += 1;
  });
  const from = sim.stats.requests.length;
  const { value: answer, ms } = await timed(() =>
    server.callTool('wait_task', { task_id: created.task_id, timeout_s: 120 }, 'bench-wait'),
  );
  stop();
  const requests = sim.stats.requests.slice(from);
  if (answer.error !== undefined || answer.result?.isError === true) {
    throw new Error(`wait_task failed: ${JSON.stringify(answer.error ?? answer.result)}`);
  }
  return {
    task_duration_s: LONG_TASK_MS / 1000,
    waited_s: round(ms / 1000, 1),
    backend_requests: requests.length,
    task_info_get_requests: requests.filter((r) => r.api === 'SYNO.Virtualization.API.Task.Info' && r.method === 'get').length,
    progress_notifications: progressNotifications,
  };
}

/** Where the bytes of the tools/list answer go. */
function toolsListParts(answer: Record<string, unknown> | undefined) {
  const tools = (answer?.tools ?? []) as Array<Record<string, unknown>>;
  const bytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8'));
  const sum = (key: string) => tools.reduce((total, tool) => total + bytes(tool[key]), 0);
  return {
    descriptions: sum('description'),
    input_schemas: sum('inputSchema'),
    output_schemas: sum('outputSchema'),
    annotations_and_titles: sum('annotations') + sum('title'),
  };
}

/** The default list_vms answer: what a page of rows costs, and how much of it is the text copy. */
function listAnswerParts(answer: Record<string, unknown> | undefined) {
  const structured = answer?.structuredContent as { vms?: unknown[] } | undefined;
  const content = (answer?.content ?? []) as Array<{ type: string; text?: string }>;
  const rows = structured?.vms?.length ?? 0;
  const structuredBytes = Buffer.byteLength(JSON.stringify(structured ?? {}), 'utf8');
  return {
    rows,
    structured_content_bytes: structuredBytes,
    text_content_bytes: content.reduce((total, part) => total + Buffer.byteLength(part.text ?? '', 'utf8'), 0),
    bytes_per_row: rows === 0 ? 0 : Math.round(structuredBytes / rows),
  };
}

/**
 * `--call-path`: only the per-call figures (overhead and the 10,000-VM list), for profiling and for
 * comparing two builds back to back without the minute-long sections.
 */
async function callPathOnly(): Promise<void> {
  const machine = machineInfo();
  const sim = await simulator();
  const server = await startedServer(sim);
  const overheadFigures = await overhead(sim, server);
  const bigSim = await simulator({ inventory: { vms: BIG_INVENTORY } });
  const bigServer = await startedServer(bigSim);
  const scaleFigures = await scale(bigSim, bigServer);
  const rss = { main_server: round(server.peakRssMb(), 1), big_inventory_server: round(bigServer.peakRssMb(), 1) };
  for (const s of [server, bigServer]) await s.close();
  for (const s of [sim, bigSim]) await s.close();
  const report = { machine, tool_call_overhead: overheadFigures, scale_10000_vms: scaleFigures, peak_rss_mb: rss };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--call-path')) return callPathOnly();
  const began = performance.now();
  const machine = machineInfo();

  // The minute-long wait runs beside the other sections: it makes a few dozen requests at most.
  const longSim = await simulator({ taskDurationMs: LONG_TASK_MS, taskCleanMs: 10 * LONG_TASK_MS });
  const longServer = await startedServer(longSim);
  const waiting = waitTask(longSim, longServer);

  const sim = await simulator();
  const server = await startedServer(sim);
  const toolsList = await server.request('tools/list');
  const overheadFigures = await overhead(sim, server);
  const throughputFigures = await throughputs(sim, server);
  const logins = serverLogins(sim);
  const coldStartFigures = await coldStart(sim);

  const bigSim = await simulator({ inventory: { vms: BIG_INVENTORY } });
  const bigServer = await startedServer(bigSim);
  const listDefault = await callOk(bigServer, 'list_vms', {});
  const scaleFigures = await scale(bigSim, bigServer);

  const waitFigures = await waiting;
  const rss = {
    main_server: round(server.peakRssMb(), 1),
    big_inventory_server: round(bigServer.peakRssMb(), 1),
    wait_task_server: round(longServer.peakRssMb(), 1),
  };
  for (const s of [server, bigServer, longServer]) await s.close();
  for (const s of [sim, bigSim, longSim]) await s.close();

  const report = {
    machine,
    tool_call_overhead: overheadFigures,
    throughput_calls_per_s: throughputFigures,
    server_logins_during_run: logins,
    cold_start: coldStartFigures,
    context_bytes: {
      tools_list: toolsList.bytes,
      tools: Array.isArray(toolsList.result?.tools) ? toolsList.result.tools.length : 0,
      tools_list_parts: toolsListParts(toolsList.result),
      list_vms_default_on_10000_vms: listDefault.bytes,
      list_vms_default_parts: listAnswerParts(listDefault.result),
    },
    scale_10000_vms: scaleFigures,
    wait_task_60s: waitFigures,
    peak_rss_mb: rss,
    bench_duration_s: round((performance.now() - began) / 1000, 1),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
