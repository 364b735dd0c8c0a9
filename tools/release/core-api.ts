import type { ModelManifest } from '@blurgate/core';
import { ReleaseError } from './release-error.js';

/** What the release needs from `@blurgate/core`: the manifest validator and the supported model majors. */
export interface CoreReleaseApi {
  parseModelManifest(json: unknown, where?: string): ModelManifest;
  readonly SUPPORTED_MODEL_MAJORS: readonly number[];
}

/**
 * Loads the built `@blurgate/core` (after the release has built it) so the release validates models with the
 * very code it ships. `SUPPORTED_MODEL_MAJORS` is the single source of truth for model compatibility.
 */
export async function loadCoreReleaseApi(): Promise<CoreReleaseApi> {
  const core = (await import('@blurgate/core')) as Record<string, unknown>;
  const parse = core['parseModelManifest'];
  const majors = core['SUPPORTED_MODEL_MAJORS'];
  if (typeof parse !== 'function') {
    throw new ReleaseError('@blurgate/core does not export parseModelManifest; the release validates manifests with it');
  }
  if (!Array.isArray(majors) || majors.length === 0 || !majors.every((m) => Number.isInteger(m) && m >= 0)) {
    throw new ReleaseError(
      '@blurgate/core does not export SUPPORTED_MODEL_MAJORS as a non-empty array of integers; the release records it as the model compatibility of every package',
    );
  }
  return {
    parseModelManifest: parse as CoreReleaseApi['parseModelManifest'],
    SUPPORTED_MODEL_MAJORS: [...(majors as number[])].sort((a, b) => a - b),
  };
}
