/**
 * sha256 of a file with `@blurgate/node`'s one helper (`sha256File` of `@blurgate/node/model-store`). Loaded on
 * first use, after the release has built the packages (like `core-api.ts`): a fresh clone has no `dist/` yet
 * when the release starts, so a static import would fail before the build.
 */
export async function sha256File(path: string): Promise<string> {
  const store = await import('@blurgate/node/model-store');
  return store.sha256File(path);
}
