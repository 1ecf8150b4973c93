/**
 * Reading and writing a form cell's recorded answer, in the browser, without Python.
 *
 * A student form cell ends `form("id", [...], title="...", answer=LITERAL)`. Release writes the
 * source around LITERAL into the cell's description (`record.before`, `record.after`:
 * ipt_helpers/forms/description.py); this module composes LITERAL by the one rule the kernel
 * also uses (`cellsource.to_literal`: one question per line, each value as JSON writes it but
 * with None), which tests/unit/test_record_literal.py compares with Python's `rewrite_answer`
 * on generated answers. Reading accepts any Python literal of the shapes answers take (also
 * pprint's older style: single quotes, implicit string concatenation, tuples), so a file
 * recorded by an older release still shows its answers.
 */

/** A recorded answer: {question id: value} (strings, null, lists, {item: value}). */
export type Answer = { [id: string]: Value };
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

/** Where a form's answer literal sits in its cell's source. */
export interface RecordSpan {
  before: string;
  after: string;
}

function valueLiteral(value: Value): string {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new Error('an answer cannot hold a number that is not finite');
    }
    return String(value);
  }
  if (Array.isArray(value)) {
    return '[' + value.map(valueLiteral).join(', ') + ']';
  }
  return '{' + Object.keys(value).map(k => `${JSON.stringify(k)}: ${valueLiteral(value[k])}`)
    .join(', ') + '}';
}

/**
 * The literal for `answer`, with its questions in `order` (the form's question order; an
 * object's own key order is not trusted for ids that look like numbers).
 */
export function toLiteral(answer: Answer | null, order?: string[]): string {
  if (answer === null) {
    return 'None';
  }
  const ids = order ?? Object.keys(answer);
  if (!ids.length) {
    return '{}';
  }
  return '{\n' + ids.map(id => `    ${JSON.stringify(id)}: ${valueLiteral(answer[id] ?? null)},\n`)
    .join('') + '}';
}

/** The literal part of `source`, or null when the cell no longer has the span release made. */
export function literalIn(source: string, span: RecordSpan): string | null {
  if (!source.startsWith(span.before) || !source.endsWith(span.after)
      || source.length < span.before.length + span.after.length) {
    return null;
  }
  return source.slice(span.before.length, source.length - span.after.length);
}

/** The cell's source with `literal` in the span. */
export function withLiteral(span: RecordSpan, literal: string): string {
  return span.before + literal + span.after;
}

// --- reading a Python literal --------------------------------------------------------------

class LiteralError extends Error {}

const SIMPLE_ESCAPES: { [c: string]: string } = {
  '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r',
  t: '\t', v: '\v'
};

/** Parse a Python literal made of None/True/False, numbers, strings, lists, tuples, dicts. */
export function parseLiteral(text: string): Value {
  let i = 0;
  const fail = (what: string): never => {
    throw new LiteralError(`${what} at character ${i}`);
  };
  const space = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
        i++;
      } else if (c === '\\' && text[i + 1] === '\n') {
        i += 2;
      } else if (c === '#') {
        while (i < text.length && text[i] !== '\n') {
          i++;
        }
      } else {
        break;
      }
    }
  };
  const string = (): string => {
    let raw = false;
    while (/[rRuUbBfF]/.test(text[i] ?? '')) {
      if (/[bBfF]/.test(text[i])) {
        fail('a bytes or f-string');
      }
      raw = raw || /[rR]/.test(text[i]);
      i++;
    }
    const quote = text.startsWith('"""', i) ? '"""' : text.startsWith("'''", i) ? "'''"
      : text[i];
    if (quote !== '"' && quote !== "'" && quote.length !== 3) {
      fail('a string expected');
    }
    i += quote.length;
    let out = '';
    for (;;) {
      if (i >= text.length) {
        fail('an unterminated string');
      }
      if (text.startsWith(quote, i)) {
        i += quote.length;
        return out;
      }
      const c = text[i];
      if (c === '\n' && quote.length === 1) {
        fail('a line break in a string');
      }
      if (c !== '\\' || raw) {
        if (c === '\\' && raw) {
          out += c + (text[i + 1] ?? '');
          i += 2;
          continue;
        }
        out += c;
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        i += 2;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) {
          fail('a bad escape');
        }
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + n;
      } else if (/[0-7]/.test(e)) {
        const m = /^[0-7]{1,3}/.exec(text.slice(i + 1)) as RegExpExecArray;
        out += String.fromCharCode(parseInt(m[0], 8));
        i += 1 + m[0].length;
      } else {
        out += '\\' + e; // Python keeps an unknown escape as it is
        i += 2;
      }
    }
  };
  const sequence = (close: string): Value[] => {
    const items: Value[] = [];
    for (;;) {
      space();
      if (text[i] === close) {
        i++;
        return items;
      }
      items.push(value());
      space();
      if (text[i] === ',') {
        i++;
      } else if (text[i] !== close) {
        fail(`"${close}" expected`);
      }
    }
  };
  const value = (): Value => {
    space();
    const c = text[i];
    if (c === undefined) {
      fail('a value expected');
    }
    if (c === '[') {
      i++;
      return sequence(']');
    }
    if (c === '(') {
      i++;
      space();
      // a parenthesised string (pprint's long strings: adjacent parts), or a tuple
      const start = i;
      if (/["'rRuU]/.test(text[i] ?? '')) {
        try {
          const s = value();
          space();
          if (text[i] === ')') {
            i++;
            return s;
          }
        } catch (err) {
          if (!(err instanceof LiteralError)) {
            throw err;
          }
        }
        i = start;
      }
      return sequence(')');
    }
    if (c === '{') {
      i++;
      const out: { [key: string]: Value } = {};
      for (;;) {
        space();
        if (text[i] === '}') {
          i++;
          return out;
        }
        const key = value();
        space();
        if (text[i] !== ':') {
          fail('":" expected');
        }
        i++;
        out[String(key)] = value();
        space();
        if (text[i] === ',') {
          i++;
        } else if (text[i] !== '}') {
          fail('"}" expected');
        }
      }
    }
    const word = /^(None|True|False)\b/.exec(text.slice(i));
    if (word) {
      i += word[0].length;
      return word[0] === 'None' ? null : word[0] === 'True';
    }
    const num = /^-?(\d+\.?\d*(e[+-]?\d+)?|\.\d+)/i.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return Number(num[0]);
    }
    // strings, with Python's implicit concatenation of adjacent literals
    let s = string();
    for (;;) {
      const save = i;
      space();
      if (/["']/.test(text[i] ?? '') || (/[rRuU]/.test(text[i] ?? '') && /["']/.test(text[i + 1] ?? ''))) {
        s += string();
      } else {
        i = save;
        return s;
      }
    }
  };
  const result = value();
  space();
  if (i !== text.length) {
    fail('text after the value');
  }
  return result;
}

/** The answer recorded in a form cell, or null (nothing recorded, or unreadable). */
export function readAnswer(source: string, span: RecordSpan): { answer: Answer | null; ok: boolean } {
  const literal = literalIn(source, span);
  if (literal === null) {
    return { answer: null, ok: false };
  }
  try {
    const value = parseLiteral(literal);
    if (value === null) {
      return { answer: null, ok: true };
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      return { answer: null, ok: false };
    }
    return { answer: value as Answer, ok: true };
  } catch (err) {
    return { answer: null, ok: false };
  }
}
