import { readFileSync } from 'node:fs';
import { VERSIONED_MANIFEST_SCHEMAS } from '@anthropic-ai/mcpb/schemas';
import { afterEach, describe, expect, it } from 'vitest';
import { SETTINGS_TABLE } from '../src/config.js';
import { TOOL_DEFINITIONS } from '../src/tools/index.js';
import { startHarness, type Harness } from './mcp-harness.js';

interface UserConfigOption {
  type: string;
  sensitive?: boolean;
  required?: boolean;
  default?: unknown;
}

interface Manifest {
  manifest_version: keyof typeof VERSIONED_MANIFEST_SCHEMAS;
  license: string;
  version: string;
  server: { type: string; entry_point: string; mcp_config: { command: string; args: string[]; env: Record<string, string> } };
  tools: Array<{ name: string; description: string }>;
  prompts: Array<{ name: string; description: string; arguments?: string[]; text: string }>;
  user_config: Record<string, UserConfigOption>;
}

const manifestText = readFileSync(new URL('../manifest.json', import.meta.url), 'utf8');
const manifest = JSON.parse(manifestText) as Manifest;
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  license: string;
  bin: Record<string, string>;
};

/** `${user_config.vmm_url}` -> `vmm_url` */
function userConfigKey(value: string): string | undefined {
  return /^\$\{user_config\.([a-z_]+)\}$/.exec(value)?.[1];
}

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('MCPB desktop-extension manifest', () => {
  it('validates against the mcpb schema of the manifest version it declares', () => {
    const schema = VERSIONED_MANIFEST_SCHEMAS[manifest.manifest_version];
    expect(schema, `unknown manifest_version ${manifest.manifest_version}`).toBeDefined();
    const result = schema.safeParse(manifest);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it('lists exactly the tools the server defines', () => {
    const listed = manifest.tools.map((tool) => tool.name).sort();
    expect(listed).toEqual(TOOL_DEFINITIONS.map((tool) => tool.name).sort());
    for (const tool of manifest.tools) expect(tool.description.length, tool.name).toBeGreaterThan(10);
  });

  it('lists exactly the prompts the server offers, with their descriptions and arguments, each argument used in its text', async () => {
    harness = await startHarness();
    const { prompts } = await harness.client.listPrompts();
    expect(prompts.length).toBeGreaterThan(0);
    const served = prompts.map((prompt) => ({
      name: prompt.name,
      description: prompt.description,
      arguments: (prompt.arguments ?? []).map((argument) => argument.name),
    }));
    const declared = manifest.prompts.map((prompt) => ({ name: prompt.name, description: prompt.description, arguments: prompt.arguments ?? [] }));
    expect(declared).toEqual(served);
    for (const prompt of manifest.prompts) {
      for (const argument of prompt.arguments ?? []) expect(prompt.text, prompt.name).toContain(`\${arguments.${argument}}`);
    }
  });

  it('declares the license of the package, whose text the repository carries', () => {
    expect(packageJson.license).toBe('MIT');
    expect(manifest.license).toBe(packageJson.license);
    const license = readFileSync(new URL('../LICENSE', import.meta.url), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} vmm-mcp contributors\n/);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
  });

  it('runs the package\'s own entry point with node, at the package\'s version', () => {
    expect(manifest.version).toBe(packageJson.version);
    expect(manifest.server.type).toBe('node');
    expect(manifest.server.entry_point).toBe(packageJson.bin['vmm-mcp']);
    expect(manifest.server.mcp_config.command).toBe('node');
    expect(manifest.server.mcp_config.args).toEqual([`\${__dirname}/${manifest.server.entry_point}`]);
  });

  it('passes every user setting through an environment variable the settings schema knows', () => {
    const knownEnv = new Set(SETTINGS_TABLE.map((row) => row.env).filter((env) => env !== undefined));
    const { env } = manifest.server.mcp_config;
    for (const [name, value] of Object.entries(env)) {
      expect(knownEnv.has(name), `${name} is not a setting`).toBe(true);
      const key = userConfigKey(value);
      expect(key !== undefined && manifest.user_config[key] !== undefined, `${name} -> ${value}`).toBe(true);
    }
    const used = Object.values(env).map(userConfigKey);
    expect(Object.keys(manifest.user_config).sort()).toEqual(used.sort());
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['VMM_URL', 'VMM_USERNAME', 'VMM_PASSWORD', 'VMM_READ_ONLY']));
  });

  it('marks the password, and only secret settings, as sensitive', () => {
    const { env } = manifest.server.mcp_config;
    const secretEnv = new Set(SETTINGS_TABLE.filter((row) => row.secret === true).map((row) => row.env));
    for (const [name, value] of Object.entries(env)) {
      const option = manifest.user_config[userConfigKey(value) as string] as UserConfigOption;
      expect(option.sensitive === true, name).toBe(secretEnv.has(name));
    }
    expect(manifest.user_config.vmm_password?.sensitive).toBe(true);
  });

  it('asks for either system\'s connection settings (none required: a Synology needs url, user and password, a LunaNode API ID and key) and offers read-only as a switch that is off by default', () => {
    for (const key of ['vmm_url', 'vmm_username', 'vmm_password', 'vmm_api_id', 'vmm_api_key']) expect(manifest.user_config[key], key).toMatchObject({ required: false });
    expect(manifest.user_config.vmm_api_key?.sensitive).toBe(true);
    expect(JSON.stringify(manifest.user_config.vmm_type)).toMatch(/synology.*lunanode/);
    expect(manifest.user_config.vmm_read_only).toMatchObject({ type: 'boolean', default: false });
  });

  it('gives optional string settings an empty default, which the server reads as unset', () => {
    for (const [key, option] of Object.entries(manifest.user_config)) {
      if (option.required !== true && option.type === 'string') expect(option.default, key).toBe('');
    }
  });
});
