import { assertModelCompatible, type ModelManifest, parseModelManifest } from '@blurgate/core';

/** Validates a manifest (fields, then the model's major version against what this core runs). */
export function validateManifest(json: unknown, where: string): ModelManifest {
  const manifest = parseModelManifest(json, where);
  assertModelCompatible(manifest);
  return manifest;
}
