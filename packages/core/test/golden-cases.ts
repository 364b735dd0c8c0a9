// The shapes of the golden JSON fixtures (written by tools/fixtures/make_core_fixtures.py) that more than one
// test file reads. Images are base64 bytes, float arrays base64 little-endian float32.
import type { BlurLabel } from '../src/index.js';

/** A case of resize.json: an image, its RGB conversion and Pillow's bilinear resize of it. */
export interface ResizeCase {
  name: string;
  width: number;
  height: number;
  channels: number;
  data: string;
  rgb: string;
  outWidth: number;
  outHeight: number;
  expected: string;
}

/** A case of freq-aux.json: an RGB image and torch's model input for it at `size`. */
export interface FreqAuxCase {
  name: string;
  width: number;
  height: number;
  data: string;
  size: number;
  /** null for the larger case, which stores only the FreqAux channel. */
  normalized: string | null;
  aux: string;
}

export interface TtaScaleResult {
  scale: number;
  probSharp: number;
  probBlurred: number;
}

/** What the reference pipeline gave for one image under one of the two linear models. */
export interface TtaModelResult {
  label: BlurLabel;
  confidence: number;
  probSharp: number;
  probBlurred: number;
  perScale: TtaScaleResult[];
}

export interface TtaCase {
  name: string;
  width: number;
  height: number;
  channels: number;
  data: string;
  results: Record<'3' | '4', TtaModelResult>;
}

/** tta.json: linear "models" over mean features (3- and 4-channel) and their multi-scale results. */
export interface TtaFixture {
  scales: number[];
  models: Record<'3' | '4', { weight: number[][]; bias: number[] }>;
  cases: TtaCase[];
}
