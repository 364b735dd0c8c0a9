import { BlurgateError } from '@blurgate/core';
import { checkpointLimit } from './checkpoint-limits.js';

/*
 * A restricted unpickler for the pickles `torch.save` writes for a state dict (protocol 2, also the
 * opcodes of protocols 3-5 that such a pickle can contain).
 *
 * Why hand-written: a checkpoint is untrusted input, and the security property we need is "no callable
 * outside a short whitelist is ever resolved". The npm pickle parsers we looked at (`pickleparser` 0.2,
 * one maintainer, pre-1.0) resolve unknown globals to placeholder objects and let REDUCE/BUILD/NEWOBJ run
 * on them, so the whitelist would sit beside the parser rather than in it. Here every GLOBAL, STACK_GLOBAL,
 * INST and OBJ goes through `resolveGlobal`, and a REDUCE/NEWOBJ/BUILD can only call what it returned:
 * the whole attack surface is this file, which is easier to audit than a general-purpose library.
 *
 * It is a loop over opcodes with an explicit stack (no recursion), and bounded: every value pushed counts
 * against `maxItems`, container nesting against `maxDepth`, and a container may not hold itself.
 */

/** A Python callable the unpickler may call: only the state-dict whitelist produces these. */
export interface PickleCallable {
  readonly kind: 'callable';
  /** `module.name`, e.g. `torch._utils._rebuild_tensor_v2` */
  readonly qualifiedName: string;
  call(args: readonly PickleValue[]): PickleValue;
}

/** A Python object the unpickler produced. Tuples are frozen arrays, dicts are `PickleDict`. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | PickleDict
  | PickleCallable
  | object;

/** A Python dict or OrderedDict, insertion-ordered; `attributes` holds what BUILD set on it. */
export class PickleDict {
  readonly entries = new Map<PickleValue, PickleValue>();
  attributes: PickleValue = null;
  constructor(readonly pythonType: 'dict' | 'collections.OrderedDict' = 'dict') {}
}

export interface UnpickleOptions {
  /** Resolves `module.name` to a callable, or returns undefined to refuse it. */
  resolveGlobal(module: string, name: string): PickleCallable | undefined;
  /** Resolves a BINPERSID persistent id (torch: the storage tuple). */
  persistentLoad(pid: PickleValue): PickleValue;
  /** Most values pushed, memoised or added to a container (`CHECKPOINT_LIMIT` beyond). Default 1,000,000. */
  readonly maxItems?: number;
  /** Deepest container nesting, and most open MARKs (`CHECKPOINT_LIMIT` beyond). Default 64. */
  readonly maxDepth?: number;
}

/** Python ints in a state dict pickle are small; a longer LONG is refused (BigInt parsing is quadratic). */
const MAX_LONG_BYTES = 64;

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

function unsafe(what: string): BlurgateError {
  return new BlurgateError(
    'UNSAFE_CHECKPOINT',
    `checkpoint pickle references ${what}; refusing to load an untrusted checkpoint (only the globals of a PyTorch state dict are allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.*Storage)`,
  );
}

function malformed(message: string): BlurgateError {
  return new BlurgateError('CONVERSION_FAILED', `checkpoint pickle is malformed: ${message}`);
}

/**
 * Unpickles `bytes`, calling only what `options.resolveGlobal` allows. Every failure is a
 * BlurgateError: `UNSAFE_CHECKPOINT`, `CHECKPOINT_LIMIT` or `CONVERSION_FAILED` (malformed).
 */
export function restrictedUnpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  try {
    return unpickle(bytes, options);
  } catch (error) {
    if (error instanceof BlurgateError) throw error;
    // e.g. a string that is not UTF-8, a RangeError from a corrupt length
    throw new BlurgateError(
      'CONVERSION_FAILED',
      `checkpoint pickle is malformed: ${String((error as Error)?.message ?? error)}`,
      { cause: error },
    );
  }
}

function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const maxItems = options.maxItems ?? 1_000_000;
  const maxDepth = options.maxDepth ?? 64;
  // Nesting depth of the containers built so far (primitives are depth 0).
  const depths = new WeakMap<object, number>();
  let items = 0;
  let marks = 0;
  let pos = 0;

  const count = (n: number): void => {
    items += n;
    if (items > maxItems) throw checkpointLimit(`its pickle holds more than ${maxItems} values`);
  };
  const push = (v: StackItem): void => {
    count(1);
    stack.push(v);
  };
  const depthOf = (v: PickleValue): number => (typeof v === 'object' && v !== null ? (depths.get(v) ?? 0) : 0);
  /** Records that `container` now holds `values`; refuses self-reference and deep nesting. */
  const contain = (container: object, values: readonly PickleValue[]): void => {
    let depth = depths.get(container) ?? 1;
    for (const v of values) {
      if (v === container) throw malformed('a container holds itself');
      depth = Math.max(depth, depthOf(v) + 1);
    }
    if (depth > maxDepth) throw checkpointLimit(`its pickle nests containers more than ${maxDepth} deep`);
    depths.set(container, depth);
  };

  const need = (n: number): void => {
    if (pos + n > bytes.length) throw malformed(`truncated at byte ${pos}`);
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++] as number;
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('length too large');
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw malformed(`unterminated line at byte ${pos}`);
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined) throw malformed('stack underflow');
    if (v === MARK) throw malformed('unexpected mark');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw malformed('stack underflow');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw malformed('missing mark');
    const marked = stack.splice(at) as PickleValue[];
    marked.shift();
    marks -= 1;
    return marked;
  };
  /** A new tuple or list holding `values`. */
  const container = <T extends PickleValue[]>(values: T, frozen: boolean): T => {
    contain(values, values);
    return frozen ? (Object.freeze(values) as T) : values;
  };
  const signedLittleEndian = (data: Uint8Array): bigint | number => {
    if (data.length === 0) return 0;
    let v = 0n;
    for (let i = data.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[i] as number);
    if (((data[data.length - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(8 * data.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const resolve = (module: string, name: string): PickleCallable => {
    const found = options.resolveGlobal(module, name);
    if (!found) throw unsafe(`${module}.${name}`);
    return found;
  };
  const callable = (v: PickleValue, opcode: string): PickleCallable => {
    if (typeof v === 'object' && v !== null && (v as PickleCallable).kind === 'callable') return v as PickleCallable;
    throw unsafe(`a ${opcode} of a non-whitelisted object`);
  };
  const setItems = (target: PickleValue, pairs: PickleValue[]): void => {
    if (!(target instanceof PickleDict)) throw malformed('SETITEM(S) on a non-dict');
    contain(target, pairs);
    count(pairs.length);
    for (let i = 0; i + 1 < pairs.length; i += 2)
      target.entries.set(pairs[i] as PickleValue, pairs[i + 1] as PickleValue);
  };
  const appendAll = (list: PickleValue, values: readonly PickleValue[], opcode: string): void => {
    if (!Array.isArray(list) || Object.isFrozen(list)) throw malformed(`${opcode} on a non-list`);
    contain(list, values);
    count(values.length);
    // A loop, not push(...values): spreading millions of arguments overflows the call stack.
    for (const v of values) list.push(v);
  };
  const memoise = (key: number): void => {
    count(1);
    memo.set(key, top());
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw malformed('unsupported pickle protocol');
        break;
      case 0x95: // FRAME (protocol 4): just a length hint
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        marks += 1;
        if (marks > maxDepth) throw checkpointLimit(`its pickle opens more than ${maxDepth} nested MARKs`);
        push(MARK);
        break;
      case 0x30: // POP
        if (stack.pop() === MARK) marks -= 1;
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x49: {
        // INT (text), also True/False in protocol 0
        const s = line();
        if (s === '01') push(true);
        else if (s === '00') push(false);
        else {
          const n = Number.parseInt(s, 10);
          if (!Number.isFinite(n)) throw malformed(`bad INT ${s}`);
          push(n);
        }
        break;
      }
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: {
        // LONG1
        const n = u8();
        if (n > MAX_LONG_BYTES)
          throw checkpointLimit(`its pickle holds a ${n}-byte integer (at most ${MAX_LONG_BYTES})`);
        push(signedLittleEndian(take(n)));
        break;
      }
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0) throw malformed('negative LONG4 length');
        if (n > MAX_LONG_BYTES)
          throw checkpointLimit(`its pickle holds a ${n}-byte integer (at most ${MAX_LONG_BYTES})`);
        push(signedLittleEndian(take(n)));
        break;
      }
      case 0x47: {
        // BINFLOAT (big-endian double)
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x58: // BINUNICODE
        push(text.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(text.decode(take(u64())));
        break;
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(take(u8())));
        break;
      case 0x54: {
        // BINSTRING
        const n = i32();
        if (n < 0) throw malformed('negative BINSTRING length');
        push(latin1.decode(take(n)));
        break;
      }
      case 0x43: // SHORT_BINBYTES
        push(take(u8()).slice());
        break;
      case 0x42: // BINBYTES
        push(take(u32()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        push(Object.freeze([]));
        break;
      case 0x74: // TUPLE
        push(container(popMark(), true));
        break;
      case 0x85: // TUPLE1
        push(container([pop()], true));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push(container([pop(), b], true));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push(container([pop(), b, c], true));
        break;
      }
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(container(popMark(), false));
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendAll(top(), [v], 'APPEND');
        break;
      }
      case 0x65: {
        // APPENDS
        const values = popMark();
        appendAll(top(), values, 'APPENDS');
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PickleDict());
        break;
      case 0x64: {
        // DICT
        const d = new PickleDict();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const pairs = popMark();
        setItems(top(), pairs);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        push(resolve(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw malformed('STACK_GLOBAL needs two strings');
        push(resolve(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = callable(pop(), 'REDUCE');
        if (!Array.isArray(args)) throw malformed('REDUCE needs an argument tuple');
        push(fn.call(args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); only whitelisted classes get here
        const args = pop();
        const cls = callable(pop(), 'NEWOBJ');
        if (!Array.isArray(args)) throw malformed('NEWOBJ needs an argument tuple');
        push(cls.call(args));
        break;
      }
      case 0x62: {
        // BUILD: the only object a state dict BUILDs is the OrderedDict (its `_metadata` attribute)
        const state = pop();
        const target = top();
        if (!(target instanceof PickleDict)) throw unsafe('a BUILD of a non-whitelisted object');
        target.attributes = state;
        break;
      }
      case 0x69: {
        // INST "module\nname\n": resolves a class like GLOBAL, then calls it with the marked items
        const module = line();
        const cls = resolve(module, line());
        push(cls.call(popMark()));
        break;
      }
      case 0x6f: {
        // OBJ
        const args = popMark();
        const cls = callable(args.shift() ?? null, 'OBJ');
        push(cls.call(args));
        break;
      }
      case 0x51: // BINPERSID
        push(options.persistentLoad(pop()));
        break;
      case 0x50: // PERSID (text ids are not used by torch.save)
        throw unsafe(`a text persistent id ${JSON.stringify(line())}`);
      case 0x71: // BINPUT
        memoise(u8());
        break;
      case 0x72: // LONG_BINPUT
        memoise(u32());
        break;
      case 0x70: // PUT
        memoise(Number.parseInt(line(), 10));
        break;
      case 0x94: // MEMOIZE
        memoise(memo.size);
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const key = op === 0x68 ? u8() : op === 0x6a ? u32() : Number.parseInt(line(), 10);
        if (!memo.has(key)) throw malformed(`memo key ${key} missing`);
        push(memo.get(key) as PickleValue);
        break;
      }
      default:
        throw malformed(`unsupported opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}
