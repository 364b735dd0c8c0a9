import { readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds `<dir>/node_modules/<name>/package.json` walking up from `from`, the way Node resolves packages. Done by
 * hand because the blurgate packages export only an `import` condition, which `require.resolve` rejects.
 */
async function findPackage(from: string, name: string): Promise<{ version: string; dir: string } | null> {
  let dir = from;
  for (;;) {
    try {
      const pkgDir = await realpath(join(dir, 'node_modules', ...name.split('/')));
      const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { version?: string };
      if (pkg.version) return { version: pkg.version, dir: pkgDir };
    } catch {
      // not here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

async function ownPackage(from: string): Promise<{ version: string; dir: string } | null> {
  let dir = from;
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@blurgate/eval' && pkg.version) return { version: pkg.version, dir };
    } catch {
      // keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Versions of the blurgate packages, onnxruntime-node and sharp in use, for report.json. */
export async function collectVersions(): Promise<Record<string, string>> {
  const here = dirname(fileURLToPath(import.meta.url));
  const out: Record<string, string> = { node: process.version };
  const self = await ownPackage(here);
  if (self) out['@blurgate/eval'] = self.version;
  const start = self?.dir ?? here;
  for (const name of ['@blurgate/core', '@blurgate/node']) {
    const found = await findPackage(start, name);
    if (found) out[name] = found.version;
  }
  // onnxruntime-node is @blurgate/node's dependency: resolve it from there.
  const node = await findPackage(start, '@blurgate/node');
  const ort = node ? await findPackage(node.dir, 'onnxruntime-node') : null;
  if (ort) out['onnxruntime-node'] = ort.version;
  const sharp = await findPackage(start, 'sharp');
  if (sharp) out.sharp = sharp.version;
  return out;
}
