import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { compareModelVersions, parseModelManifest } from '@blurgate/core';
import { describe, expect, it } from 'vitest';
import {
  bundledModelsDir,
  DEFAULT_MODEL_NAME,
  installModelFolder,
  listInstalledModels,
  loadModelFile,
  modelStoreRoots,
  resolveModel,
  sha256File,
  sha256Hex,
  userModelsDir,
} from '../src/model-store.js';
import { STORE, TINY_3CH, TINY_4CH, withTempDir } from './helpers.js';

/** Copies the fixture 4ch model into `<root>/<name>/<version>/` with a manifest edited by `edit`. */
async function install(
  root: string,
  version: string,
  edit: (m: Record<string, unknown>) => void = () => {},
  name = 'blurgate-tiny-4ch',
): Promise<string> {
  const dir = join(root, name, version);
  await mkdir(dir, { recursive: true });
  await cp(TINY_4CH, join(dir, 'model.onnx'));
  const manifest = JSON.parse(await readFile(join(STORE, 'blurgate-tiny-4ch', '1.0.0', 'manifest.json'), 'utf8'));
  manifest.version = version;
  manifest.name = name;
  edit(manifest);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

describe('model store roots', () => {
  it("searches each $BLURGATE_MODELS_DIR entry, then the user cache, then the package's bundled models/", () => {
    const roots = modelStoreRoots({
      BLURGATE_MODELS_DIR: ['/opt/models', '', 'rel/models'].join(delimiter),
      XDG_CACHE_HOME: '/x/cache',
    });
    expect(roots).toEqual(['/opt/models', resolve('rel/models'), '/x/cache/blurgate/models', bundledModelsDir()]);
    expect(bundledModelsDir()).toBe(resolve(__dirname, '..', 'models'));
    // The runtime library never walks up to a checkout's models/: only roots it is given.
    expect(modelStoreRoots({ XDG_CACHE_HOME: '/x/cache' })).not.toContain(
      resolve(__dirname, '..', '..', '..', 'models'),
    );
  });

  it('puts the user store under $BLURGATE_HOME, else XDG_CACHE_HOME, else ~/.cache', () => {
    expect(userModelsDir({ BLURGATE_HOME: '/h', XDG_CACHE_HOME: '/x' })).toBe('/h/models');
    expect(userModelsDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/blurgate/models');
    expect(userModelsDir({})).toBe(join(homedir(), '.cache', 'blurgate', 'models'));
  });

  it('orders versions by semver (rc.10 after rc.9)', () => {
    expect(['1.10.0', '1.2.0', '1.9.1', '1.10.0-rc.1'].sort(compareModelVersions)).toEqual([
      '1.2.0',
      '1.9.1',
      '1.10.0-rc.1',
      '1.10.0',
    ]);
  });
});

describe('resolveModel', () => {
  it('a bare .onnx file works without a manifest', async () => {
    const model = await resolveModel(TINY_3CH, { roots: [] });
    expect(model).toMatchObject({ name: 'tiny-3ch', version: 'unversioned', manifest: null, modelPath: TINY_3CH });
  });

  it('a folder with manifest.json, and model.onnx inside it, use the manifest', async () => {
    const folder = join(STORE, 'blurgate-tiny-4ch', '1.0.0');
    const byFolder = await resolveModel(folder, { roots: [] });
    expect(byFolder).toMatchObject({ name: 'blurgate-tiny-4ch', version: '1.0.0', dir: folder });
    const byFile = await resolveModel(join(folder, 'model.onnx'), { roots: [] });
    expect(byFile.manifest?.sha256).toBe(byFolder.manifest?.sha256);
  });

  it('name gives the highest installed version; name@version a given one; earlier roots win ties', async () => {
    await withTempDir(async (dir) => {
      const first = join(dir, 'first');
      const second = join(dir, 'second');
      await install(second, '1.2.0');
      await install(second, '1.10.0');
      await install(first, '1.2.0');
      const roots = [first, second];
      expect((await resolveModel('blurgate-tiny-4ch', { roots })).dir).toBe(
        join(second, 'blurgate-tiny-4ch', '1.10.0'),
      );
      expect((await resolveModel('blurgate-tiny-4ch@1.2.0', { roots })).dir).toBe(
        join(first, 'blurgate-tiny-4ch', '1.2.0'),
      );
      const listed = await listInstalledModels({ roots });
      expect(listed.map((m) => `${m.name}@${m.version}`)).toEqual([
        'blurgate-tiny-4ch@1.2.0',
        'blurgate-tiny-4ch@1.2.0',
        'blurgate-tiny-4ch@1.10.0',
      ]);
      await expect(resolveModel('blurgate-tiny-4ch@9.9.9', { roots })).rejects.toMatchObject({
        code: 'MODEL_NOT_FOUND',
        message: expect.stringMatching(/not installed.*installed: blurgate-tiny-4ch@1.2.0, blurgate-tiny-4ch@1.10.0/),
      });
    });
  });

  it('$BLURGATE_MODELS_DIR is searched first', async () => {
    await withTempDir(async (dir) => {
      await install(dir, '1.0.0', () => {}, 'env-model');
      const model = await resolveModel('env-model', {
        env: { BLURGATE_MODELS_DIR: dir, XDG_CACHE_HOME: join(dir, 'nothing') },
      });
      expect(model.dir).toBe(join(dir, 'env-model', '1.0.0'));
    });
  });

  it('without a spec and no default installed, tells the user to pass --model', async () => {
    await expect(resolveModel(undefined, { roots: [] })).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringMatching(
        new RegExp(`default model ${DEFAULT_MODEL_NAME} is not installed.*--model <path-or-name>`),
      ),
    });
  });

  it('finds the default model when it is installed', async () => {
    await withTempDir(async (dir) => {
      await install(dir, '1.0.0', () => {}, DEFAULT_MODEL_NAME);
      expect((await resolveModel(undefined, { roots: [dir] })).name).toBe(DEFAULT_MODEL_NAME);
    });
  });

  it('refuses a model that must be pulled first, and a missing path', async () => {
    await withTempDir(async (dir) => {
      await install(dir, '1.0.0', (m) => {
        m.file = null;
        m.sha256 = null;
      });
      await expect(resolveModel('blurgate-tiny-4ch', { roots: [dir] })).rejects.toMatchObject({
        code: 'MODEL_NOT_FOUND',
        message: expect.stringMatching(/blurgate-eval models pull blurgate-tiny-4ch/),
      });
      await expect(resolveModel('./nowhere/model.onnx', { roots: [dir] })).rejects.toMatchObject({
        code: 'MODEL_NOT_FOUND',
      });
    });
  });

  it('validates the manifest, naming the field', async () => {
    await withTempDir(async (dir) => {
      const folder = await install(dir, '1.0.0', (m) => {
        m.inputChannels = 5;
      });
      await expect(resolveModel(folder)).rejects.toMatchObject({
        code: 'INVALID_MANIFEST',
        message: expect.stringMatching(/inputChannels/),
      });
      const listed = await listInstalledModels({ roots: [dir] });
      expect(listed[0].problem).toMatch(/inputChannels/);
    });
  });

  it('checks the sha256 of the model file (CHECKSUM_MISMATCH names the file)', async () => {
    await withTempDir(async (dir) => {
      const folder = await install(dir, '1.0.0');
      const good = await loadModelFile(await resolveModel(folder));
      expect(good.sha256).toBe(good.manifest?.sha256);
      const bytes = await readFile(join(folder, 'model.onnx'));
      bytes[bytes.length - 10] ^= 0xff;
      await writeFile(join(folder, 'model.onnx'), bytes);
      await expect(loadModelFile(await resolveModel(folder))).rejects.toMatchObject({
        code: 'CHECKSUM_MISMATCH',
        message: expect.stringContaining(join(folder, 'model.onnx')),
      });
    });
  });
});

describe('versions and local models', () => {
  it('name picks the highest version by semver precedence: rc.10 over rc.9, a release over both', async () => {
    await withTempDir(async (dir) => {
      await install(dir, '1.0.0-rc.9');
      await install(dir, '1.0.0-rc.10');
      expect((await resolveModel('blurgate-tiny-4ch', { roots: [dir] })).version).toBe('1.0.0-rc.10');
      await install(dir, '1.0.0');
      expect((await resolveModel('blurgate-tiny-4ch', { roots: [dir] })).version).toBe('1.0.0');
    });
  });

  it('a local, unreleased model (0.0.0-local) resolves; a released 0.x is refused', async () => {
    await withTempDir(async (dir) => {
      const local = await install(dir, '0.0.0-local');
      expect((await resolveModel(local)).version).toBe('0.0.0-local');
      expect((await resolveModel(join(local, 'model.onnx'))).manifest?.version).toBe('0.0.0-local');
      const released = await install(dir, '0.3.0');
      await expect(resolveModel(released)).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL' });
    });
  });

  it("a .onnx file beside another model's manifest.json runs bare, never with that manifest", async () => {
    await withTempDir(async (dir) => {
      const folder = await install(dir, '1.0.0');
      await cp(TINY_3CH, join(folder, 'other.onnx'));
      const other = await resolveModel(join(folder, 'other.onnx'));
      expect(other).toMatchObject({ name: 'other', manifest: null, dir: null });
    });
  });
});

describe('installModelFolder', () => {
  async function fixture(): Promise<{ manifest: ReturnType<typeof parseModelManifest>; model: Uint8Array }> {
    const model = new Uint8Array(await readFile(TINY_4CH));
    const manifest = parseModelManifest(
      await readFile(join(STORE, 'blurgate-tiny-4ch', '1.0.0', 'manifest.json'), 'utf8'),
    );
    return { manifest: { ...manifest, name: 'installed-model', sha256: sha256Hex(model) }, model };
  }

  it('installs <root>/<name>/<version>/ where resolveModel finds it, with no staging left behind', async () => {
    await withTempDir(async (dir) => {
      const { manifest, model } = await fixture();
      const installed = await installModelFolder({
        manifest,
        model,
        files: { 'README.md': '# card\n' },
        modelsDir: dir,
      });
      expect(installed.dir).toBe(join(dir, 'installed-model', '1.0.0'));
      expect((await readdir(installed.dir)).sort()).toEqual(['README.md', 'manifest.json', 'model.onnx']);
      expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
      const loaded = await loadModelFile(await resolveModel('installed-model', { roots: [dir] }));
      expect(loaded.sha256).toBe(manifest.sha256);
      expect(await sha256File(installed.modelPath)).toBe(manifest.sha256);
    });
  });

  it('refuses to replace an installed version without force, and bytes that do not match the manifest', async () => {
    await withTempDir(async (dir) => {
      const { manifest, model } = await fixture();
      await installModelFolder({ manifest, model, modelsDir: dir });
      await expect(installModelFolder({ manifest, model, modelsDir: dir })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
      await installModelFolder({ manifest, model, modelsDir: dir, force: true });
      const wrong = Uint8Array.from(model);
      wrong[wrong.length - 1] ^= 0xff;
      await expect(
        installModelFolder({ manifest: { ...manifest, version: '1.1.0' }, model: wrong, modelsDir: dir }),
      ).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
      expect(existsSync(join(dir, 'installed-model', '1.1.0'))).toBe(false);
      await expect(
        installModelFolder({ manifest: { ...manifest, name: '../escape' }, model, modelsDir: dir }),
      ).rejects.toMatchObject({ code: 'INVALID_MANIFEST' });
    });
  });
});
