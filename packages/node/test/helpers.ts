import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const IMAGES = join(FIXTURES, 'images');
export const MODELS = join(FIXTURES, 'models');
export const STORE = join(MODELS, 'store');
export const TINY_4CH = join(MODELS, 'tiny-4ch.onnx');
export const TINY_3CH = join(MODELS, 'tiny-3ch.onnx');

export interface ReferenceScale {
  scale: number;
  probSharp: number;
  probBlurred: number;
}
export interface ReferencePrediction {
  label: string;
  confidence: number;
  probSharp: number;
  probBlurred: number;
  scales: ReferenceScale[];
  fast: { label: string; probSharp: number; probBlurred: number };
}
export interface ReferenceDocument {
  scales: number[];
  images: Record<string, Record<string, unknown> & { pillowRgbSha256?: string; width?: number; height?: number }>;
  predictions: Record<string, ReferencePrediction>;
}

/** PyTorch/Pillow facts written by tools/fixtures/make_onnx_fixtures.py. */
export const reference: ReferenceDocument = JSON.parse(
  readFileSync(join(FIXTURES, 'reference-predictions.json'), 'utf8'),
);

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'blurgate-node-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** A valid PNG header claiming `width × height` RGB pixels, with a tiny IDAT: a decompression bomb's shape. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
