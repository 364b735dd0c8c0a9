import type { ModelManifest } from '@blurgate/core';
import { ReleaseError } from './release-error.js';

/** What the release needs from `@blurgate/core`: the manifest validator, the supported majors, the version rule. */
export interface CoreReleaseApi {
  parseModelManifest(json: unknown, where?: string): ModelManifest;
  readonly SUPPORTED_MODEL_MAJORS: readonly number[];
  /** Semver precedence of model versions (`1.0.0-rc.10` after `1.0.0-rc.9`). */
  compareModelVersions(a: string, b: string): number;
  /** The semver major of a model version. */
  modelVersionMajor(version: string): number;
  /** A local, unreleased model (`-local` tag): runs, but is never released. */
  isLocalModelVersion(version: string): boolean;
}

/**
 * Loads the built `@blurgate/core` (after the release has built it) so the release validates models with the
 * very code it ships. `SUPPORTED_MODEL_MAJORS` is the single source of truth for model compatibility.
 */
export async function loadCoreReleaseApi(): Promise<CoreReleaseApi> {
  const core = (await import('@blurgate/core')) as Record<string, unknown>;
  const parse = core['parseModelManifest'];
  const majors = core['SUPPORTED_MODEL_MAJORS'];
  const compare = core['compareModelVersions'];
  const major = core['modelVersionMajor'];
  const local = core['isLocalModelVersion'];
  if (typeof parse !== 'function') {
    throw new ReleaseError(
      '@blurgate/core does not export parseModelManifest; the release validates manifests with it',
    );
  }
  if (typeof compare !== 'function' || typeof major !== 'function' || typeof local !== 'function') {
    throw new ReleaseError(
      '@blurgate/core does not export compareModelVersions, modelVersionMajor and isLocalModelVersion; the release orders and checks model versions with them',
    );
  }
  if (!Array.isArray(majors) || majors.length === 0 || !majors.every((m) => Number.isInteger(m) && m >= 0)) {
    throw new ReleaseError(
      '@blurgate/core does not export SUPPORTED_MODEL_MAJORS as a non-empty array of integers; the release records it as the model compatibility of every package',
    );
  }
  return {
    parseModelManifest: parse as CoreReleaseApi['parseModelManifest'],
    SUPPORTED_MODEL_MAJORS: [...(majors as number[])].sort((a, b) => a - b),
    compareModelVersions: compare as CoreReleaseApi['compareModelVersions'],
    modelVersionMajor: major as CoreReleaseApi['modelVersionMajor'],
    isLocalModelVersion: local as CoreReleaseApi['isLocalModelVersion'],
  };
}
