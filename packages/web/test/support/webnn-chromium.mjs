// A Chromium with a WebNN backend, for the WebNN test and bench rows. Debian's Chromium (the browser of the other
// tests) is built without one (webnn_use_tflite=false): it exposes navigator.ml behind the flag and refuses every
// context ("WebNN is not supported on this platform"). @sparticuz/chromium, a devDependency, ships an upstream
// Chromium headless shell inside its npm package (brotli-compressed); it is unpacked once into .cache/.
// Plain ESM so that bench/run.mjs and the TypeScript tests share it (types in webnn-chromium.d.mts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';

const WEB_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Chromium switches that expose WebNN and let its CPU backend run in a headless browser without a GPU. */
export const WEBNN_CHROMIUM_FLAGS = [
  '--enable-features=WebMachineLearningNeuralNetwork',
  // WebNN is a GPU-process feature: with --disable-gpu the blocklist marks it disabled ("WebNN is disabled due
  // to some unresolvable issues") even for deviceType 'cpu', whose backend runs in the renderer.
  '--ignore-gpu-blocklist',
];

/**
 * The path of a WebNN-capable Chromium: `BLURGATE_WEBNN_CHROMIUM` when set, else the one @sparticuz/chromium
 * ships, unpacked into `packages/web/.cache/` on first use.
 *
 * @returns `{ path }`, or `{ reason }` saying why there is none.
 */
export function findWebNNChromium() {
  const fromEnv = process.env.BLURGATE_WEBNN_CHROMIUM;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv } : { reason: `BLURGATE_WEBNN_CHROMIUM=${fromEnv} does not exist` };
  let packageDir;
  try {
    packageDir = path.resolve(path.dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..');
  } catch {
    return { reason: 'no WebNN-capable Chromium: @sparticuz/chromium is not installed and BLURGATE_WEBNN_CHROMIUM is unset' };
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { reason: `@sparticuz/chromium ships a linux-x64 binary; this is ${process.platform}-${process.arch}` };
  }
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const target = path.join(WEB_DIR, '.cache', `webnn-chromium-${version}`, 'chromium');
  if (!existsSync(target)) {
    const dir = path.dirname(target);
    mkdirSync(dir, { recursive: true });
    // SwiftShader's GL libraries beside the binary: without them the GPU process fails to start and Chromium
    // marks WebNN disabled ("unresolvable issues"), CPU device included.
    const swiftshader = path.join(dir, `swiftshader.${process.pid}.tar`);
    writeFileSync(swiftshader, brotliDecompressSync(readFileSync(path.join(packageDir, 'bin', 'swiftshader.tar.br'))));
    execFileSync('tar', ['-xf', swiftshader, '-C', dir]);
    rmSync(swiftshader);
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, brotliDecompressSync(readFileSync(path.join(packageDir, 'bin', 'chromium.br'))), { mode: 0o755 });
    renameSync(partial, target);
  }
  return { path: target };
}
