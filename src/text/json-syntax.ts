/**
 * Where a JSON text first breaks the grammar, as line and column (both from 1). V8's own message for
 * a syntax error quotes the text around the fault, which in a config file may be a password; this
 * locates the fault without repeating anything of the content. Only called once JSON.parse failed.
 */
export interface TextPosition {
  line: number;
  column: number;
}

class SyntaxFault {
  constructor(readonly at: number) {}
}

export function jsonSyntaxErrorAt(text: string): TextPosition | undefined {
  const scanner = new Scanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (fault) {
    if (!(fault instanceof SyntaxFault)) throw fault;
    return positionOf(text, fault.at);
  }
}

function positionOf(text: string, at: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text[i] === '\n') {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_CHARS = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

class Scanner {
  private at = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.space();
    if (this.at < this.text.length) this.fail();
  }

  private value(): void {
    this.space();
    const char = this.text[this.at];
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return;
      }
    }
    NUMBER.lastIndex = this.at;
    if (char !== undefined && NUMBER.test(this.text)) {
      this.at = NUMBER.lastIndex;
      return;
    }
    this.fail();
  }

  private object(): void {
    this.at += 1;
    this.space();
    if (this.take('}')) return;
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail();
      this.string();
      this.space();
      if (!this.take(':')) this.fail();
      this.value();
      this.space();
      if (this.take('}')) return;
      if (!this.take(',')) this.fail();
    }
  }

  private array(): void {
    this.at += 1;
    this.space();
    if (this.take(']')) return;
    for (;;) {
      this.value();
      this.space();
      if (this.take(']')) return;
      if (!this.take(',')) this.fail();
    }
  }

  private string(): void {
    this.at += 1;
    STRING_CHARS.lastIndex = this.at;
    STRING_CHARS.test(this.text);
    this.at = STRING_CHARS.lastIndex;
    if (!this.take('"')) this.fail();
  }

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at] as string)) this.at += 1;
  }

  private take(char: string): boolean {
    if (this.text[this.at] !== char) return false;
    this.at += 1;
    return true;
  }

  private fail(): never {
    throw new SyntaxFault(this.at);
  }
}
