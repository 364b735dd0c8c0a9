import { readFile } from 'node:fs/promises';
import { UsageError } from './usage-error.js';

export interface ThresholdsFile {
  readonly confidenceThreshold?: number;
  readonly blurThreshold?: number;
}

/**
 * Reads `{"confidenceThreshold": number, "blurThreshold": number}` as written by
 * `blurgate-eval calibrate` (other fields are ignored). Either threshold may be absent.
 */
export async function readThresholdsFile(path: string): Promise<ThresholdsFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new UsageError(`--thresholds ${path}: cannot read it as JSON (${(cause as Error).message})`, { cause });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new UsageError(
      `--thresholds ${path}: expected an object {"confidenceThreshold": number, "blurThreshold": number}`,
    );
  }
  const record = json as Record<string, unknown>;
  const out: { confidenceThreshold?: number; blurThreshold?: number } = {};
  for (const key of ['confidenceThreshold', 'blurThreshold'] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      throw new UsageError(
        `--thresholds ${path}: ${key} must be a number between 0 and 1, got ${JSON.stringify(value)}`,
      );
    }
    out[key] = value;
  }
  if (out.confidenceThreshold === undefined && out.blurThreshold === undefined) {
    throw new UsageError(`--thresholds ${path}: has neither confidenceThreshold nor blurThreshold`);
  }
  return out;
}
