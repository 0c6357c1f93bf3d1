import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../src/log.js';

function recorder(): { lines: string[]; sink: (level: LogLevel, message: string) => void } {
  const lines: string[] = [];
  return { lines, sink: (level, message) => lines.push(`${level}: ${message}`) };
}

describe('logger', () => {
  it("sends a child's lines to stderr and to the child's sinks only, and the parent's lines to every sink", () => {
    const written: string[] = [];
    const root = createLogger('info', (line) => written.push(line));
    const first = root.child();
    const second = root.child();
    const [atRoot, atFirst, atSecond] = [recorder(), recorder(), recorder()];
    root.addSink(atRoot.sink);
    first.addSink(atFirst.sink);
    second.addSink(atSecond.sink);

    first.info('audit: first session call');
    root.warning('DSM session expired');

    expect(atFirst.lines).toEqual(['info: audit: first session call', 'warning: DSM session expired']);
    expect(atSecond.lines).toEqual(['warning: DSM session expired']);
    expect(atRoot.lines).toEqual(['warning: DSM session expired']);
    expect(written).toEqual(['vmm-mcp info: audit: first session call\n', 'vmm-mcp warning: DSM session expired\n']);
  });

  it("removing a child's sink stops both its own lines and the parent's", () => {
    const root = createLogger('error', () => undefined);
    const child = root.child();
    const { lines, sink } = recorder();
    const remove = child.addSink(sink);
    remove();
    child.info('own line');
    root.info('parent line');
    expect(lines).toEqual([]);
  });

  it('redacts registered secrets in a child logger as in its parent', () => {
    const written: string[] = [];
    const child = createLogger('debug', (line) => written.push(line)).child();
    child.info('login', { password: 'hunter2-never-shown' });
    expect(written.join('')).not.toContain('hunter2-never-shown');
  });
});
