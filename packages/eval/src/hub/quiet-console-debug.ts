// @huggingface/hub's downloadFileToCacheDir announces each download with console.debug, which Node
// prints on stdout; blurgate's library code never prints (SPEC 6), and CLIs keep stdout for results.
// Silenced only while a download runs; the depth counter keeps overlapping downloads from restoring
// the no-op as the "original".
let depth = 0;
let original: typeof console.debug | undefined;

/** Runs `task` with `console.debug` silenced, restoring it afterwards. */
export async function withConsoleDebugSilenced<T>(task: () => Promise<T>): Promise<T> {
  if (depth === 0) {
    original = console.debug;
    console.debug = () => {};
  }
  depth += 1;
  try {
    return await task();
  } finally {
    depth -= 1;
    if (depth === 0 && original) {
      console.debug = original;
      original = undefined;
    }
  }
}
