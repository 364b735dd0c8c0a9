import { readFileSync } from 'node:fs';

/** PyTorch's answer for one input: logits per scale, the mean probabilities over the scales, the routed label. */
export interface ReferenceOutput {
  logits: Record<string, [number, number]>;
  probSharp: number;
  probBlurred: number;
  label: string;
}

/** What PyTorch made of one fixture checkpoint: its shape, and its outputs on the patterns and the images. */
export interface ReferenceModel {
  architecture: string;
  widthMult: number;
  keys: number;
  parameters: number;
  outputs: Record<string, ReferenceOutput>;
  images: Record<string, ReferenceOutput>;
}

/** expected.json beside the fixture checkpoints, written by tools/fixtures/make_checkpoint_fixtures.py. */
export interface CheckpointReference {
  scales: number[];
  patterns: string[];
  models: Record<string, ReferenceModel>;
  views: Record<string, { shape: number[]; values?: number[]; integers?: string[] }>;
}

/** Reads PyTorch's reference numbers for the fixture checkpoints (test/fixtures/checkpoints/expected.json). */
export function readCheckpointReference(): CheckpointReference {
  const path = new URL('../fixtures/checkpoints/expected.json', import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8')) as CheckpointReference;
}
