import {
  abortedError,
  assertModelCompatible,
  type ModelManifest,
  ModelError,
  parseModelManifest,
  throwIfAborted,
} from '@blurgate/core';

/** The file name of a model's manifest, beside the ONNX file (as in the model store's folders). */
export const MANIFEST_FILE = 'manifest.json';

/**
 * The manifest of the model at `modelUrl`: `manifest.json` in the same folder, validated, when it
 * names this model file (`file`); null when the folder has none (HTTP 404) or it describes another
 * file, the same rule `@blurgate/node` applies to a `.onnx` path. A page (text/html) answered for
 * the manifest's address counts as none: single-page-app servers answer every path with their page.
 *
 * @throws {@link ModelError} `INVALID_MANIFEST` for a manifest that cannot be fetched or read,
 *   `UNSUPPORTED_MODEL` for a model version this core does not run; ABORTED on the signal.
 */
export async function loadManifestBeside(modelUrl: string, signal?: AbortSignal): Promise<ModelManifest | null> {
  throwIfAborted(signal, 'model loading');
  const manifestUrl = new URL(MANIFEST_FILE, modelUrl).href;
  let response: Response;
  try {
    response = await fetch(manifestUrl, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw abortedError(signal, 'model loading');
    throw new ModelError(
      'INVALID_MANIFEST',
      `Could not fetch ${manifestUrl}: ${error instanceof Error ? error.message : String(error)}; pass manifest: null to run without one`,
      { cause: error },
    );
  }
  // 404: the folder has no manifest. text/html: a single-page-app server answering every path with its page.
  if (response.status === 404 || response.status === 410) return null;
  if (response.ok && /^text\/html\b/i.test(response.headers.get('content-type') ?? '')) return null;
  if (!response.ok) {
    throw new ModelError(
      'INVALID_MANIFEST',
      `Could not fetch ${manifestUrl}: HTTP ${response.status}; pass manifest: null to run without one`,
    );
  }
  const manifest = parseModelManifest(await response.text(), manifestUrl);
  if (manifest.file === null || !sameResource(new URL(manifest.file, manifestUrl), new URL(modelUrl))) return null;
  assertModelCompatible(manifest);
  return manifest;
}

/** A manifest given as an object: validated like one fetched (`where` names it in messages). */
export function manifestFromOption(manifest: unknown, where = 'the manifest option'): ModelManifest {
  const parsed = parseModelManifest(manifest, where);
  assertModelCompatible(parsed);
  return parsed;
}

function sameResource(a: URL, b: URL): boolean {
  return a.origin === b.origin && a.pathname === b.pathname;
}
