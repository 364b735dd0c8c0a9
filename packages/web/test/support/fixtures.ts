import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../node/test/fixtures/', import.meta.url));

export interface ReferencePrediction {
  readonly label: string;
  readonly probSharp: number;
  readonly probBlurred: number;
  readonly scales: readonly { scale: number; probSharp: number; probBlurred: number }[];
  readonly fast: { label: string; probSharp: number; probBlurred: number };
}

/** PyTorch predictions written by tools/fixtures/make_onnx_fixtures.py (same for the 3- and 4-channel model). */
export const REFERENCE: { predictions: Record<string, ReferencePrediction>; images: Record<string, ImageFacts> } =
  JSON.parse(readFileSync(`${FIXTURES_DIR}reference-predictions.json`, 'utf8'));

export interface ImageFacts {
  readonly pillowRgbSha256?: string;
  readonly quadrants?: Record<'topLeft' | 'topRight' | 'bottomLeft' | 'bottomRight', readonly number[]>;
}

/** Opaque PNGs: canvas readback is exact for them, so web must match node and PyTorch. */
export const OPAQUE_PNGS = [
  'china.png',
  'china-blurred.png',
  'flower.png',
  'flower-blurred.png',
  'texture.png',
  'texture-blurred.png',
  'grey.png',
  'palette.png',
] as const;

export const MODELS = ['tiny-4ch.onnx', 'tiny-3ch.onnx'] as const;

export const IMAGE_FACTS = REFERENCE.images;
