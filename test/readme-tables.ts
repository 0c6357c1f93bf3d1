import { SETTINGS_TABLE } from '../src/config.js';
import { TOOL_DEFINITIONS } from '../src/tools/index.js';

/**
 * The README's settings and tools tables as they must read, rendered from the one source of each:
 * the settings schema and TOOL_DEFINITIONS. readme.test.ts compares the README against these.
 */

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const code = (text: string): string => `\`${cell(text)}\``;

export function settingsTable(): string {
  const rows = SETTINGS_TABLE.map((row) => {
    const flags = [
      row.flag === undefined ? undefined : code(row.value === undefined ? row.flag : `${row.flag} ${row.value}`),
      row.simulatorFlag === undefined ? undefined : code(`simulator ${row.simulatorFlag}${row.value === undefined ? '' : ` ${row.value}`}`),
    ].filter((flag) => flag !== undefined);
    const fallback = row.default === undefined || row.default === '' ? '' : code(String(row.default));
    return `| ${code(row.key)} | ${row.env === undefined ? '' : code(row.env)} | ${flags.join(', ')} | ${fallback} | ${cell(row.description)} |`;
  });
  return ['| setting (config file key) | environment | flag | default | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The first sentence of a tool description: up to the first ". " (or the whole text). */
export function firstSentence(text: string): string {
  const end = text.indexOf('. ');
  return end === -1 ? text : text.slice(0, end + 1);
}

export function toolsTable(): string {
  const rows = TOOL_DEFINITIONS.map((tool) => `| ${code(tool.name)} | ${tool.effect} | ${cell(tool.title)} | ${cell(firstSentence(tool.description))} |`);
  return ['| tool | effect | title | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

/** The text between `<!-- name:start -->` and `<!-- name:end -->`, trimmed. */
export function block(readme: string, name: string): string {
  const start = readme.indexOf(`<!-- ${name}:start -->`);
  const end = readme.indexOf(`<!-- ${name}:end -->`);
  if (start === -1 || end === -1 || end < start) throw new Error(`README has no ${name} block`);
  return readme.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}
