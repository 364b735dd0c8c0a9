import type { TorchDtype } from './tensor.js';

/** PyTorch storage class name (`FloatStorage`) → element type and its size in bytes. */
export const STORAGE_TYPES: Readonly<Record<string, { dtype: TorchDtype; bytes: number }>> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

/** True for the dtypes decoded to float32. */
export function isFloatingDtype(dtype: TorchDtype): dtype is 'float32' | 'float64' | 'float16' | 'bfloat16' {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits → number (exact). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Decodes a little-endian floating storage to float32. */
export function decodeFloatStorage(bytes: Uint8Array, dtype: TorchDtype, numel: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(numel);
  switch (dtype) {
    case 'float32':
      // copy through a fresh, aligned buffer (ZIP entries need not be 4-byte aligned)
      out.set(new Float32Array(bytes.slice(0, numel * 4).buffer));
      break;
    case 'float64':
      for (let i = 0; i < numel; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'float16':
      for (let i = 0; i < numel; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case 'bfloat16':
      for (let i = 0; i < numel; i++) {
        u32[0] = view.getUint16(i * 2, true) << 16;
        out[i] = f32[0] as number;
      }
      break;
    default:
      throw new Error(`not a floating dtype: ${dtype}`);
  }
  return out;
}

/** Decodes a little-endian integer or bool storage to int64. */
export function decodeIntegerStorage(bytes: Uint8Array, dtype: TorchDtype, numel: number): BigInt64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new BigInt64Array(numel);
  for (let i = 0; i < numel; i++) {
    switch (dtype) {
      case 'int64':
        out[i] = view.getBigInt64(i * 8, true);
        break;
      case 'int32':
        out[i] = BigInt(view.getInt32(i * 4, true));
        break;
      case 'int16':
        out[i] = BigInt(view.getInt16(i * 2, true));
        break;
      case 'int8':
        out[i] = BigInt(view.getInt8(i));
        break;
      default:
        out[i] = BigInt(view.getUint8(i));
    }
  }
  return out;
}
