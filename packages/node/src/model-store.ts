// The model store: where models are found (read) and how they are installed (write), one API for the CLI,
// the library and @blurgate/eval (exposed as `@blurgate/node/model-store`). It never looks outside the
// roots it is given: a checkout's `models/` is a root only when the caller names it (BLURGATE_MODELS_DIR,
// set by the repo's package.json scripts, or `roots`).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareModelVersions, ModelError, type ModelManifest, OptionError, parseModelManifest } from '@blurgate/core';
import { validateManifest } from './manifest-validation.js';
import { sha256Hex } from './sha256.js';

export { sha256File, sha256Hex } from './sha256.js';

/** Name of the default model, used when no model is given. */
export const DEFAULT_MODEL_NAME = 'blurgate-synth';

/** The manifest's file name in a model folder. */
export const MANIFEST_FILE = 'manifest.json';

/** The model's file name in an installed model folder. */
export const MODEL_FILE = 'model.onnx';

/** Environment variables that move the model store (read at call time, not import time). */
export interface ModelStoreEnv {
  /** Extra roots searched first, separated like PATH (`:` on POSIX, `;` on Windows). */
  readonly BLURGATE_MODELS_DIR?: string;
  readonly BLURGATE_HOME?: string;
  readonly XDG_CACHE_HOME?: string;
}

export interface ModelStoreOptions {
  /** Roots to search instead of {@link modelStoreRoots}. */
  readonly roots?: readonly string[];
  /** Environment to read; default `process.env`. */
  readonly env?: ModelStoreEnv;
}

/** One `<root>/<name>/<version>/` folder of a model store. */
export interface InstalledModel {
  readonly name: string;
  readonly version: string;
  readonly root: string;
  readonly dir: string;
  /** The validated manifest, or null when it is invalid (see `problem`). */
  readonly manifest: ModelManifest | null;
  /** Why this folder cannot be used, or null. A manifest with `file: null` must be pulled first. */
  readonly problem: string | null;
}

/** A model found from a spec, ready to be loaded. */
export interface ResolvedModel {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the ONNX file. */
  readonly modelPath: string;
  /** The validated manifest, or null for a bare .onnx file (defaults apply). */
  readonly manifest: ModelManifest | null;
  /** The folder holding manifest.json, or null for a bare .onnx file. */
  readonly dir: string | null;
}

/** A resolved model with its bytes, whose sha256 has been checked against the manifest. */
export interface LoadedModel extends ResolvedModel {
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

/** The user's model store: `$BLURGATE_HOME/models`, else `${XDG_CACHE_HOME:-~/.cache}/blurgate/models`. */
export function userModelsDir(env: ModelStoreEnv = process.env): string {
  if (env.BLURGATE_HOME) return resolve(env.BLURGATE_HOME, 'models');
  const cache = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(cache, 'blurgate', 'models');
}

/**
 * `<package>/models/` of this `@blurgate/node`: where a published package bundles the default model.
 * Found from this module's own location (`src/` or `dist/`, one level below the package), never by searching.
 */
export function bundledModelsDir(): string {
  return fileURLToPath(new URL('../models/', import.meta.url)).replace(/[\\/]$/, '');
}

/**
 * Model store roots in search order: each entry of `$BLURGATE_MODELS_DIR` (if set), the user store
 * ({@link userModelsDir}), then the package's bundled models ({@link bundledModelsDir}).
 * Each root holds `<name>/<version>/{manifest.json, model.onnx, README.md}`.
 *
 * In a checkout of the blurgate repo, the root `package.json` scripts (`pnpm blurgate`, `pnpm blurgate-eval`)
 * add the repo's `models/` through `BLURGATE_MODELS_DIR`.
 */
export function modelStoreRoots(env: ModelStoreEnv = process.env): string[] {
  const extra = (env.BLURGATE_MODELS_DIR ?? '')
    .split(delimiter)
    .filter((entry) => entry.trim() !== '')
    .map((entry) => resolve(entry));
  return [...new Set([...extra, userModelsDir(env), bundledModelsDir()])];
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new ModelError('INVALID_MANIFEST', `${path}: not readable JSON (${(cause as Error).message})`, { cause });
  }
}

/**
 * Reads and validates a manifest file: its fields ({@link parseModelManifest}) and, with `runnable`
 * (the default), the version rule of this core (`UNSUPPORTED_MODEL` for a major it does not run).
 *
 * @param path - the `manifest.json` (or `<stem>.manifest.json`) to read.
 * @param runnable - also check that this core runs the model's version; false to read any valid manifest.
 * @returns the validated manifest.
 * @throws {@link ModelError} `INVALID_MANIFEST` (unreadable, not JSON, a bad field) or `UNSUPPORTED_MODEL`.
 */
export async function readModelManifest(path: string, runnable = true): Promise<ModelManifest> {
  const json = await readJson(path);
  return runnable ? validateManifest(json, path) : parseModelManifest(json, path);
}

/** Every `<root>/<name>/<version>/manifest.json` in the store roots: roots in order, names sorted, versions ascending. */
export async function listInstalledModels(options: ModelStoreOptions = {}): Promise<InstalledModel[]> {
  const roots = options.roots ?? modelStoreRoots(options.env);
  const found: InstalledModel[] = [];
  for (const root of roots) {
    if (!(await isDirectory(root))) continue;
    for (const name of (await readdir(root)).sort()) {
      if (name.startsWith('.')) continue; // staging folders of installModelFolder
      const nameDir = join(root, name);
      if (!(await isDirectory(nameDir))) continue;
      for (const version of (await readdir(nameDir)).sort(compareModelVersions)) {
        const dir = join(nameDir, version);
        if (!existsSync(join(dir, MANIFEST_FILE))) continue;
        let manifest: ModelManifest | null = null;
        let problem: string | null = null;
        try {
          manifest = await readModelManifest(join(dir, MANIFEST_FILE));
          if (manifest.file === null) {
            problem = `not downloaded yet: run \`blurgate-eval models pull ${manifest.name}\``;
          } else if (!existsSync(join(dir, manifest.file))) {
            problem = `model file ${manifest.file} is missing`;
          }
        } catch (error) {
          problem = (error as Error).message;
        }
        found.push({
          name: manifest?.name ?? name,
          version: manifest?.version ?? version,
          root,
          dir,
          manifest,
          problem,
        });
      }
    }
  }
  return found;
}

function fromFolder(dir: string, manifest: ModelManifest, manifestPath = join(dir, MANIFEST_FILE)): ResolvedModel {
  if (manifest.file === null) {
    throw new ModelError(
      'MODEL_NOT_FOUND',
      `${manifest.name}@${manifest.version} (${dir}) describes a model that is not downloaded yet: run \`blurgate-eval models pull ${manifest.name}\``,
    );
  }
  const modelPath = join(dir, manifest.file);
  if (!existsSync(modelPath)) {
    throw new ModelError('MODEL_NOT_FOUND', `${modelPath}: model file named by ${manifestPath} is missing`);
  }
  return { name: manifest.name, version: manifest.version, modelPath, manifest, dir };
}

function looksLikePath(spec: string): boolean {
  return /[\\/]/.test(spec) || spec.startsWith('.') || extname(spec).toLowerCase() === '.onnx';
}

function notFound(spec: string, roots: readonly string[], installed: readonly InstalledModel[]): ModelError {
  const known = [...new Set(installed.filter((m) => !m.problem).map((m) => `${m.name}@${m.version}`))];
  return new ModelError(
    'MODEL_NOT_FOUND',
    `model ${spec} is not installed (searched ${roots.join(', ')}); ` +
      (known.length ? `installed: ${known.join(', ')}` : 'no models are installed') +
      '. Pass a path to a .onnx file or a model folder, or install the model',
  );
}

/** The manifest beside a .onnx file that names exactly that file, or null (then the file runs bare). */
async function manifestOfFile(path: string): Promise<ModelManifest | null> {
  const sibling = join(dirname(path), MANIFEST_FILE);
  if (!existsSync(sibling)) return null;
  const manifest = await readModelManifest(sibling);
  // Another model's manifest in the same folder says nothing about this file.
  return manifest.file !== null && resolve(dirname(path), manifest.file) === path ? manifest : null;
}

/**
 * Finds a model from a spec. Manifests are validated, including the version rule (a local, unreleased
 * `-local` model runs; see `assertModelCompatible` in `@blurgate/core`).
 *
 * @param spec - a path to a `.onnx` file (the `manifest.json` beside it applies when it names this file;
 *   otherwise no manifest is needed and defaults apply), a path to a folder with `manifest.json`, `name`
 *   (the highest installed version, by semver) or `name@version`. Empty or absent: the default model
 *   {@link DEFAULT_MODEL_NAME}.
 * @param options - the roots to search (default {@link modelStoreRoots}) or the environment to read them from.
 * @returns where the model file is, its manifest (null for a bare file), name and version.
 * @throws {@link ModelError} `MODEL_NOT_FOUND` (nothing there, not installed, not downloaded yet; the message
 *   lists what is installed), `INVALID_MANIFEST` (naming the field) or `UNSUPPORTED_MODEL` (a major this core does not run).
 * @example
 * ```ts
 * const model = await resolveModel('blurgate-synth@1.0.0', { roots: ['/srv/models'] });
 * const { bytes, sha256 } = await loadModelFile(model); // checks the manifest's sha256
 * ```
 */
export async function resolveModel(spec?: string, options: ModelStoreOptions = {}): Promise<ResolvedModel> {
  const roots = options.roots ?? modelStoreRoots(options.env);
  if (spec === undefined || spec === '') {
    const installed = await listInstalledModels({ roots });
    const usable = installed.filter((m) => m.name === DEFAULT_MODEL_NAME && !m.problem);
    if (usable.length === 0) {
      throw new ModelError(
        'MODEL_NOT_FOUND',
        `no model given and the default model ${DEFAULT_MODEL_NAME} is not installed (searched ${roots.join(', ')}); ` +
          'pass --model <path-or-name> (a .onnx file, a model folder, or an installed model name)',
      );
    }
    return pickHighest(usable);
  }

  if (existsSync(spec) || looksLikePath(spec)) {
    const path = resolve(spec);
    if (!existsSync(path)) throw new ModelError('MODEL_NOT_FOUND', `${spec}: no such model file or folder`);
    if (await isDirectory(path)) {
      if (!existsSync(join(path, MANIFEST_FILE))) {
        throw new ModelError(
          'MODEL_NOT_FOUND',
          `${spec}: folder has no ${MANIFEST_FILE}; pass the .onnx file or a model folder`,
        );
      }
      return fromFolder(path, await readModelManifest(join(path, MANIFEST_FILE)));
    }
    const manifest = await manifestOfFile(path);
    if (manifest) return fromFolder(dirname(path), manifest);
    return { name: basename(path, extname(path)), version: 'unversioned', modelPath: path, manifest: null, dir: null };
  }

  const { name, version } = splitSpec(spec);
  const installed = await listInstalledModels({ roots });
  const matches = installed.filter((m) => m.name === name && (version === null || m.version === version));
  const usable = matches.filter((m) => !m.problem);
  if (usable.length === 0) {
    if (matches.length > 0) {
      throw new ModelError('MODEL_NOT_FOUND', `${spec} (${matches[0].dir}) cannot be used: ${matches[0].problem}`);
    }
    throw notFound(spec, roots, installed);
  }
  return pickHighest(usable);
}

function splitSpec(spec: string): { name: string; version: string | null } {
  const at = spec.lastIndexOf('@');
  return at > 0 ? { name: spec.slice(0, at), version: spec.slice(at + 1) } : { name: spec, version: null };
}

/** Highest version first; for equal versions the earlier root (stable sort) first. */
function highestFirst<T extends { readonly version: string }>(models: readonly T[]): T[] {
  return [...models].sort((a, b) => compareModelVersions(b.version, a.version));
}

function pickHighest(models: readonly InstalledModel[]): ResolvedModel {
  const best = highestFirst(models)[0];
  return fromFolder(best.dir, best.manifest!);
}

/** A manifest found by {@link findModelManifest}, with its folder and whether that folder holds the model. */
export interface FoundManifest {
  readonly manifest: ModelManifest;
  /** The folder holding the manifest. */
  readonly dir: string;
  /** True when the folder also holds the usable model file (e.g. a model shipped in the repo). */
  readonly present: boolean;
}

/**
 * Finds the manifest describing a model, whether or not the model file is there yet (a manifest with
 * `file: null` describes a model to pull).
 *
 * @param spec - a path to a manifest file or a model folder, or `name` / `name@version` among the store's
 *   manifests (highest version wins; for equal versions the earlier root, i.e. an installed copy first).
 * @param options - the roots to search (default {@link modelStoreRoots}).
 * @returns the manifest, its folder, and whether the model file is present.
 * @throws {@link ModelError} `MODEL_NOT_FOUND` (no such manifest) or `INVALID_MANIFEST`.
 */
export async function findModelManifest(spec: string, options: ModelStoreOptions = {}): Promise<FoundManifest> {
  if (existsSync(spec)) {
    const path = resolve(spec);
    const folder = await isDirectory(path);
    const dir = folder ? path : dirname(path);
    const manifest = await readModelManifest(folder ? join(path, MANIFEST_FILE) : path, false);
    return { manifest, dir, present: manifest.file !== null && existsSync(join(dir, manifest.file)) };
  }
  const { name, version } = splitSpec(spec);
  const roots = options.roots ?? modelStoreRoots(options.env);
  const entries = (await listInstalledModels({ roots })).filter(
    (m) => m.name === name && (version === null || m.version === version),
  );
  const known = entries.filter((m) => m.manifest !== null);
  const broken = entries.find((m) => m.manifest === null);
  if (known.length === 0 && broken) {
    throw new ModelError('INVALID_MANIFEST', `${broken.dir}: ${broken.problem}`);
  }
  if (known.length === 0) {
    throw new ModelError(
      'MODEL_NOT_FOUND',
      `no manifest for ${spec} in ${roots.join(', ')}; run \`blurgate-eval models list\` to see the known models, ` +
        'or pass the path of a manifest.json',
    );
  }
  const best = highestFirst(known)[0];
  return { manifest: best.manifest!, dir: best.dir, present: best.problem === null };
}

/**
 * Reads a resolved model's file and checks its sha256 against the manifest.
 *
 * @param model - from {@link resolveModel}.
 * @returns the model with its bytes and their sha256.
 * @throws {@link ModelError} `MODEL_NOT_FOUND` (unreadable) or `CHECKSUM_MISMATCH` (naming the file).
 */
export async function loadModelFile(model: ResolvedModel): Promise<LoadedModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(model.modelPath);
  } catch (cause) {
    throw new ModelError('MODEL_NOT_FOUND', `${model.modelPath}: cannot read the model file`, { cause });
  }
  const sha256 = sha256Hex(bytes);
  const expected = model.manifest?.sha256;
  if (expected && expected.toLowerCase() !== sha256) {
    throw new ModelError(
      'CHECKSUM_MISMATCH',
      `${model.modelPath}: sha256 is ${sha256} but its manifest says ${expected}; the file is corrupt or was replaced — reinstall the model`,
    );
  }
  return { ...model, bytes, sha256 };
}

/** `<modelsDir>/<name>/<version>`, refusing names that would escape the store. */
export function installedModelDir(modelsDir: string, name: string, version: string): string {
  const safe = /^[a-z0-9][a-z0-9._+-]*$/i;
  if (!safe.test(name) || !safe.test(version) || name.includes('..') || version.includes('..')) {
    throw new ModelError('INVALID_MANIFEST', `model name "${name}" or version "${version}" is not a safe folder name`);
  }
  return join(modelsDir, name, version);
}

export interface InstallModelFolderOptions {
  /** The manifest to write; its `file` names the model file and its `sha256` must match the bytes. */
  readonly manifest: ModelManifest;
  /** The ONNX bytes, written as `manifest.file`. */
  readonly model: Uint8Array;
  /** Other files of the folder by name, e.g. `{ 'README.md': card }`. */
  readonly files?: Readonly<Record<string, Uint8Array | string>>;
  /** Model store root; default the user store ({@link userModelsDir}). */
  readonly modelsDir?: string;
  /** Replace an installed copy of the same version (default: refuse). */
  readonly force?: boolean;
  /** Environment for the default `modelsDir`. */
  readonly env?: ModelStoreEnv;
}

/** A model folder written by {@link installModelFolder}. */
export interface InstalledModelFolder {
  readonly name: string;
  readonly version: string;
  /** `<modelsDir>/<name>/<version>` */
  readonly dir: string;
  readonly modelPath: string;
  /** The manifest written next to the model. */
  readonly manifest: ModelManifest;
}

/**
 * Installs a model folder `<modelsDir>/<name>/<version>/` (manifest, model file, extra files) where
 * {@link resolveModel} finds it by name. The folder appears atomically: it is written to a staging folder
 * at the store's top level (never mistaken for a model, even after a crash) and renamed; a replaced copy is
 * put back if the new one does not make it.
 *
 * @param options - the manifest, the model bytes, extra files, where and whether to replace.
 * @returns the installed folder and its manifest.
 * @throws {@link OptionError} when that version is installed and `force` is not set;
 *   {@link ModelError} `INVALID_MANIFEST` (a bad manifest, an unsafe name, no `file`) or `CHECKSUM_MISMATCH`
 *   (the bytes are not what the manifest's sha256 says).
 * @example
 * ```ts
 * await installModelFolder({ manifest, model: onnxBytes, files: { 'README.md': card } });
 * await resolveModel(manifest.name); // finds it in the user store
 * ```
 */
export async function installModelFolder(options: InstallModelFolderOptions): Promise<InstalledModelFolder> {
  const modelsDir = options.modelsDir ?? userModelsDir(options.env);
  const dir = installedModelDir(modelsDir, options.manifest.name, options.manifest.version);
  const manifest = parseModelManifest(options.manifest, join(dir, MANIFEST_FILE));
  if (manifest.file === null || manifest.file.includes('/')) {
    throw new ModelError(
      'INVALID_MANIFEST',
      `${join(dir, MANIFEST_FILE)}: "file" must name the model file in the folder`,
    );
  }
  const sha256 = sha256Hex(options.model);
  if (manifest.sha256 !== sha256) {
    throw new ModelError(
      'CHECKSUM_MISMATCH',
      `the model bytes have sha256 ${sha256} but the manifest of ${manifest.name}@${manifest.version} says ${manifest.sha256}; nothing was installed`,
    );
  }
  if (existsSync(dir) && !options.force) {
    throw new OptionError(
      `${manifest.name}@${manifest.version} is already installed at ${dir}; pass force to replace it`,
    );
  }

  await mkdir(join(modelsDir, manifest.name), { recursive: true });
  const suffix = `${manifest.name}-${manifest.version}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(modelsDir, `.installing-${suffix}`);
  const old = join(modelsDir, `.replaced-${suffix}`);
  try {
    await mkdir(temp);
    await writeFile(join(temp, manifest.file), options.model);
    await writeFile(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const [name, content] of Object.entries(options.files ?? {})) {
      if (
        name.includes('/') ||
        name.includes('\\') ||
        name === MANIFEST_FILE ||
        name === manifest.file ||
        name.startsWith('.')
      ) {
        throw new OptionError(`cannot install an extra file named "${name}" into a model folder`);
      }
      await writeFile(join(temp, name), content);
    }
    if (existsSync(dir)) await rename(dir, old);
    await rename(temp, dir);
  } catch (error) {
    // Put a replaced copy back if the new one did not make it.
    if (!existsSync(dir) && existsSync(old)) await rename(old, dir);
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
  return { name: manifest.name, version: manifest.version, dir, modelPath: join(dir, manifest.file), manifest };
}
