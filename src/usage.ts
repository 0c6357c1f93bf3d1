import { SETTINGS_TABLE, type SettingRow } from './config.js';

/** `vmm-mcp --help`, generated from the settings table so that it cannot drift from the schema. */
export function usage(version: string): string {
  const flag = (name: string, row: SettingRow): string => (row.value === undefined ? name : `${name} ${row.value}`);
  const settingLines = SETTINGS_TABLE.filter((row) => !row.key.startsWith('sim_')).map((row) => {
    const names = [row.flag === undefined ? undefined : flag(row.flag, row), row.env].filter((name) => name !== undefined).join(', ');
    const fallback = row.default === undefined || row.default === '' ? '' : ` (default ${String(row.default)})`;
    return line(names === '' ? `${row.key} (config file)` : names, `${row.description}${fallback}`);
  });
  const simulatorLines = SETTINGS_TABLE.filter((row) => row.key.startsWith('sim_')).map((row) => {
    const names = [row.flag, row.simulatorFlag].filter((name) => name !== undefined).map((name) => flag(name as string, row)).join(', ');
    const fallback = row.default === undefined ? '' : ` (default ${String(row.default)})`;
    return line(names, `${row.description}${fallback}`);
  });
  return [
    `vmm-mcp ${version}: an MCP server for Synology Virtual Machine Manager`,
    '',
    'Usage:',
    line('vmm-mcp [options]', 'MCP over stdio against the DSM at VMM_URL'),
    line('vmm-mcp --simulator [options]', 'MCP over stdio against a built-in simulated DSM (demo, no NAS needed)'),
    line('vmm-mcp --http [--port N] [--host H]', 'MCP over Streamable HTTP at /mcp; bearer token required (VMM_HTTP_TOKEN)'),
    line('vmm-mcp simulator [--port N] ...', 'only the simulated DSM over HTTP; prints its URL and demo credentials'),
    line('vmm-mcp --help | --version', 'print this text or the version on stdout'),
    '',
    'In the MCP modes stdout carries only JSON-RPC (nothing at all with --http); logs go to stderr.',
    'Settings: flag, environment variable (flags win over the environment, which wins over the config file):',
    ...settingLines,
    '',
    'Simulator options (--sim-* with --simulator; the short form with `vmm-mcp simulator`):',
    ...simulatorLines,
    '',
    'Switches: --flag alone is true; --flag VALUE or --flag=VALUE take 1/0/true/false/yes/no. Exit code 2: bad settings.',
    '',
  ].join('\n');
}

function line(left: string, right: string): string {
  return `  ${left.padEnd(40)} ${right}`;
}
