import type { BlurLabel, ClassifyResult } from '@blurgate/core';
import type { ImageFile } from '../decode-image.js';

/** What the CLI classifies: a path, or a file whose name is not valid UTF-8 (kept as bytes). */
export type CliInput = string | ImageFile;

/** Characters written escaped: controls, the quote, the backslash and the Unicode line separators. */
function isSpecial(c: string): boolean {
  const code = c.codePointAt(0) as number;
  return code < 0x20 || code === 0x7f || c === '"' || c === '\\' || code === 0x2028 || code === 0x2029;
}

function escapeChar(c: string): string {
  switch (c) {
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    default:
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/** Walks bytes as UTF-8: each valid character through `char`, every other byte as \xNN. */
function renderBytes(bytes: Buffer, char: (c: string) => string): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    const width = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
    const chunk = bytes.subarray(i, i + Math.max(width, 1));
    const text = chunk.toString('utf8');
    if (width === 0 || chunk.length < width || !Buffer.from(text).equals(chunk)) {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      i += 1;
    } else {
      out += char(text);
      i += width;
    }
  }
  return out;
}

/** A file name's bytes as text, bytes that are not UTF-8 written as \xNN. */
export function showBytes(bytes: Buffer): string {
  return renderBytes(bytes, (c) => c);
}

/** A double-quoted name with C-style escapes; bytes that are not UTF-8 as \xNN. */
function quoted(bytes: Buffer): string {
  return `"${renderBytes(bytes, (c) => (isSpecial(c) ? escapeChar(c) : c))}"`;
}

/**
 * How an input is written in plain and table output: as is when that is unambiguous, otherwise
 * double-quoted with escapes (a tab, newline, quote, backslash or control character, leading or
 * trailing space, or bytes that are not UTF-8), so each input stays on one line and one field.
 */
export function quoteName(input: CliInput): string {
  if (typeof input !== 'string') return quoted(input.path);
  const needsQuotes = /^\s|\s$/.test(input) || [...input].some(isSpecial);
  return needsQuotes ? quoted(Buffer.from(input)) : input;
}

/** The input's name as text (for JSON, where escaping is JSON's): non-UTF-8 bytes shown as \xNN. */
export function displayName(input: CliInput): string {
  return typeof input === 'string' ? input : input.name;
}

/** A message on one line: newlines and runs of white space become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The stderr line of a failed input: `error: <name>: <message> [CODE]`, always one line. */
export function errorLine(input: CliInput, code: string, message: string): string {
  const name = displayName(input);
  const rest = message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
  return `error: ${quoteName(input)}: ${oneLine(rest)} [${code}]`;
}

const LABEL_WIDTH = 9;
const NUMBER_WIDTH = 10;

/** Header of the terminal table. */
export function tableHeader(): string {
  return `${'LABEL'.padEnd(LABEL_WIDTH)} ${'CONFIDENCE'.padStart(NUMBER_WIDTH)} ${'P_BLURRED'.padStart(NUMBER_WIDTH)}  FILE`;
}

/** One row of the terminal table (results stream, so columns have fixed widths). */
export function tableRow(result: ClassifyResult<CliInput>): string {
  const name = quoteName(result.input);
  if (result.status === 'error') {
    return `${'error'.padEnd(LABEL_WIDTH)} ${'-'.padStart(NUMBER_WIDTH)} ${'-'.padStart(NUMBER_WIDTH)}  ${name}`;
  }
  return `${result.label.padEnd(LABEL_WIDTH)} ${result.confidence.toFixed(4).padStart(NUMBER_WIDTH)} ${result.probBlurred.toFixed(4).padStart(NUMBER_WIDTH)}  ${name}`;
}

/**
 * One plain line for pipes: `file<TAB>label<TAB>confidence<TAB>p_blurred`; a file name with a tab,
 * newline, quote, backslash or non-UTF-8 bytes is double-quoted with escapes (see {@link quoteName}).
 */
export function plainLine(result: ClassifyResult<CliInput>): string {
  const name = quoteName(result.input);
  if (result.status === 'error') return `${name}\terror\t-\t-`;
  return `${name}\t${result.label}\t${result.confidence.toFixed(4)}\t${result.probBlurred.toFixed(4)}`;
}

/** Counts per label and errors, for the summary line. */
export class ResultTally {
  readonly counts: Record<BlurLabel | 'error', number> = { sharp: 0, blurred: 0, uncertain: 0, error: 0 };

  add(outcome: BlurLabel | 'error'): void {
    this.counts[outcome] += 1;
  }

  get total(): number {
    return this.counts.sharp + this.counts.blurred + this.counts.uncertain + this.counts.error;
  }

  summary(): string {
    const { sharp, blurred, uncertain, error } = this.counts;
    const n = this.total;
    return `${n} ${n === 1 ? 'input' : 'inputs'}: ${sharp} sharp, ${blurred} blurred, ${uncertain} uncertain, ${error} ${error === 1 ? 'error' : 'errors'}`;
  }
}
