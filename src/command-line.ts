import { ConfigError, isBooleanWord, SETTINGS_TABLE, type RawLayer, type SettingRow } from './config.js';

/**
 * Splits the command line into a mode and the flag layer of the settings. Flags are looked up in the
 * settings table, so a setting gains its flag by being declared there; anything else is a usage error.
 */

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  /** MCP over stdio, against VMM_URL or (with `--simulator`) an in-process simulator. */
  | { kind: 'serve'; simulator: boolean; flags: RawLayer }
  /** `vmm-mcp simulator`: only the simulated DSM over HTTP. */
  | { kind: 'simulator'; flags: RawLayer };

const HELP = new Set(['--help', '-h']);
const VERSION = new Set(['--version', '-V']);

export function parseCommandLine(argv: readonly string[]): Command {
  if (argv.some((arg) => HELP.has(arg))) return { kind: 'help' };
  if (argv.some((arg) => VERSION.has(arg))) return { kind: 'version' };
  if (argv[0] === 'simulator') {
    const flags = parseFlags(argv.slice(1), (row) => row.simulatorFlag ?? (row.key === 'log_level' ? row.flag : undefined));
    return { kind: 'simulator', flags };
  }
  let simulator = false;
  const rest = argv.filter((arg, index) => {
    if (arg !== '--simulator') return true;
    const next = argv[index + 1];
    if (next !== undefined && isBooleanWord(next)) {
      throw new ConfigError(`--simulator takes no value: write --simulator alone for the demo, or leave it out (got --simulator ${JSON.stringify(next)})`);
    }
    simulator = true;
    return false;
  });
  const flags = parseFlags(rest, (row) => row.flag);
  const simulatorOnly = SETTINGS_TABLE.find((row) => row.key.startsWith('sim_') && row.flag !== undefined && flags[row.key] !== undefined);
  if (!simulator && simulatorOnly !== undefined) throw new ConfigError(`${simulatorOnly.flag} only applies together with --simulator`);
  return { kind: 'serve', simulator, flags };
}

/** A switch (`--read-only`) is true alone, or takes a yes/no word: `--read-only false`, `--read-only=no`. */
function parseFlags(args: readonly string[], flagOf: (row: SettingRow) => string | undefined): RawLayer {
  const layer: RawLayer = {};
  let previousSwitch: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const row = name.startsWith('--') ? SETTINGS_TABLE.find((candidate) => flagOf(candidate) === name) : undefined;
    if (row === undefined) throw new ConfigError(unknownArgument(arg, name, previousSwitch));
    previousSwitch = undefined;
    if (equals !== -1) {
      layer[row.key] = arg.slice(equals + 1);
    } else if (row.value === undefined) {
      const next = args[index + 1];
      if (next !== undefined && isBooleanWord(next)) {
        layer[row.key] = next;
        index += 1;
      } else {
        layer[row.key] = true;
        previousSwitch = name;
      }
    } else {
      const value = args[index + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigError(`${name} needs a value (${row.value})`);
      layer[row.key] = value;
      index += 1;
    }
  }
  return layer;
}

function unknownArgument(arg: string, name: string, previousSwitch: string | undefined): string {
  if (name === '--password') return '--password is not a flag: a command line is visible to every user (ps); set VMM_PASSWORD or VMM_PASSWORD_FILE';
  if (name.startsWith('-')) return `unknown option ${name}; see vmm-mcp --help`;
  if (previousSwitch !== undefined) {
    return `${previousSwitch} is a switch: write ${previousSwitch} alone, or ${previousSwitch} true|false (also yes/no, 1/0), not ${previousSwitch} ${JSON.stringify(arg)}`;
  }
  return `unexpected argument ${JSON.stringify(arg)}; see vmm-mcp --help`;
}
