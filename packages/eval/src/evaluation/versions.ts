import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

async function versionFrom(require: NodeJS.Require, name: string): Promise<{ version: string; dir: string } | null> {
  try {
    // Resolve the entry (package.json may not be exported), then walk up to the package's own package.json.
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return { version: pkg.version, dir };
      } catch {
        // keep walking up
      }
      dir = dirname(dir);
    }
  } catch {
    return null;
  }
  return null;
}

/** Versions of the blurgate packages and onnxruntime-node in use, for report.json. */
export async function collectVersions(): Promise<Record<string, string>> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = { node: process.version };
  const self = await versionFrom(require, '@blurgate/eval');
  if (self) out['@blurgate/eval'] = self.version;
  for (const name of ['@blurgate/core', '@blurgate/node']) {
    const found = await versionFrom(require, name);
    if (found) out[name] = found.version;
  }
  // onnxruntime-node is a dependency of @blurgate/node, so resolve it from there.
  const node = await versionFrom(require, '@blurgate/node');
  if (node) {
    const ort = await versionFrom(createRequire(join(node.dir, 'package.json')), 'onnxruntime-node');
    if (ort) out['onnxruntime-node'] = ort.version;
    const sharp = await versionFrom(createRequire(join(node.dir, 'package.json')), 'sharp');
    if (sharp) out.sharp = sharp.version;
  }
  return out;
}
