import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../src/config.js';
import { jsonSyntaxErrorAt } from '../src/text/json-syntax.js';
import { runCli } from './cli-harness.js';

/**
 * Issue 13, finding 7 and the short-secret rule of finding 3: a config file with a JSON syntax error
 * had V8's parser message echoed on stderr, and that message quotes the text around the fault: a
 * literal password appeared. Only line and column are reported now. A DSM password too short to be
 * masked in output (under 4 characters) is refused at start with exit 2 and one line.
 */

const LITERAL = 'Hunter2-literal-in-config';
const folder = mkdtempSync(join(tmpdir(), 'vmm-security-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}

describe('config file syntax errors', () => {
  it('name the line and column of the fault and nothing of the content', () => {
    const path = file('broken.json', `{\n  "url": "https://nas.local:5001",\n  "password": "${LITERAL}" oops\n}\n`);
    let message = '';
    try {
      loadSettings({ flags: { config: path }, env: {} });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toBe(`--config: ${path} is not valid JSON at line 3, column ${`  "password": "${LITERAL}" `.length + 1}`);
  });

  it('locates faults like a JSON parser would', () => {
    expect(jsonSyntaxErrorAt('{"a": 1}')).toBeUndefined();
    expect(jsonSyntaxErrorAt('[1, 2.5e3, "x\\n", true, null, {"b": []}]')).toBeUndefined();
    expect(jsonSyntaxErrorAt('{"a": 1,}')).toEqual({ line: 1, column: 9 });
    expect(jsonSyntaxErrorAt('{"a": 01}')).toEqual({ line: 1, column: 8 });
    expect(jsonSyntaxErrorAt('{\n"a": "unterminated')).toEqual({ line: 2, column: 19 });
    expect(jsonSyntaxErrorAt('')).toEqual({ line: 1, column: 1 });
    expect(jsonSyntaxErrorAt('{"a": 1} x')).toEqual({ line: 1, column: 10 });
  });

  it('print one line on stderr and exit 2 from the command line, without the password', async () => {
    const path = file('broken-cli.json', `{"password": "${LITERAL}" "url": "https://nas"}`);
    const { code, stdout, stderr } = await runCli([], { VMM_CONFIG: path });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/is not valid JSON at line 1, column \d+/);
    expect(stderr).not.toContain(LITERAL);
    expect(stderr).not.toContain('Hunter');
  });
});

describe('passwords too short to mask', () => {
  it('are refused at start with exit 2 and one line that does not show them', async () => {
    const { code, stdout, stderr } = await runCli([], { VMM_URL: 'https://nas.local:5001', VMM_USERNAME: 'ops', VMM_PASSWORD: 'q7z' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^vmm-mcp: The password of DSM account ops .* has 3 character\(s\); vmm-mcp needs at least 4/)]);
    expect(stderr).not.toContain('q7z');
  });
});
