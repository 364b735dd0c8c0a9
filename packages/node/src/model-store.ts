import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelError, type ModelManifest } from '@blurgate/core';
import { validateManifest } from './manifest-validation.js';

/** Name of the default model, used when no model is given. */
export const DEFAULT_MODEL_NAME = 'blurgate-synth';

/** Environment variables that move the model store (read at call time, not import time). */
export interface ModelStoreEnv {
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

const MANIFEST = 'manifest.json';

/** The user's model store: `$BLURGATE_HOME/models`, else `${XDG_CACHE_HOME:-~/.cache}/blurgate/models`. */
export function userModelsDir(env: ModelStoreEnv = process.env): string {
  if (env.BLURGATE_HOME) return resolve(env.BLURGATE_HOME, 'models');
  const cache = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(cache, 'blurgate', 'models');
}

function walkUp(start: string, found: (dir: string) => boolean): string | null {
  let dir = start;
  for (;;) {
    if (found(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function moduleDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** The monorepo's `models/`, found by walking up from this module to a folder with `pnpm-workspace.yaml`. */
function repoModelsDir(): string | null {
  const root = walkUp(moduleDir(), (dir) => existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(join(dir, 'models')));
  return root ? join(root, 'models') : null;
}

/** `<package>/models/`: where a published @blurgate/node would bundle the default model. */
function packageModelsDir(): string | null {
  const root = walkUp(moduleDir(), (dir) => packageName(join(dir, 'package.json')) === '@blurgate/node');
  return root ? join(root, 'models') : null;
}

function packageName(path: string): string | null {
  try {
    // Synchronous so that modelStoreRoots() can stay synchronous; a handful of small reads.
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: string }).name ?? null;
  } catch {
    return null;
  }
}

/**
 * Model store roots in search order: `$BLURGATE_MODELS_DIR` (if set), the user store
 * ({@link userModelsDir}), the repo's `models/` (in a checkout) and `<package>/models/`.
 * Each root holds `<name>/<version>/{manifest.json, model.onnx, README.md}`.
 */
export function modelStoreRoots(env: ModelStoreEnv = process.env): string[] {
  const roots: string[] = [];
  if (env.BLURGATE_MODELS_DIR) roots.push(resolve(env.BLURGATE_MODELS_DIR));
  roots.push(userModelsDir(env));
  const repo = repoModelsDir();
  if (repo) roots.push(repo);
  const pkg = packageModelsDir();
  if (pkg) roots.push(pkg);
  return [...new Set(roots)];
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, MANIFEST);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new ModelError('INVALID_MANIFEST', `${path}: not readable JSON (${(cause as Error).message})`, { cause });
  }
  return validateManifest(json, path);
}

/** Every `<root>/<name>/<version>/manifest.json` in the store roots, in root order. */
export async function listInstalledModels(options: ModelStoreOptions = {}): Promise<InstalledModel[]> {
  const roots = options.roots ?? modelStoreRoots(options.env);
  const found: InstalledModel[] = [];
  for (const root of roots) {
    if (!(await isDirectory(root))) continue;
    for (const name of (await readdir(root)).sort()) {
      const nameDir = join(root, name);
      if (!(await isDirectory(nameDir))) continue;
      for (const version of (await readdir(nameDir)).sort(compareVersions)) {
        const dir = join(nameDir, version);
        if (!existsSync(join(dir, MANIFEST))) continue;
        let manifest: ModelManifest | null = null;
        let problem: string | null = null;
        try {
          manifest = await readManifest(dir);
          if (manifest.file === null) {
            problem = `not downloaded yet: run \`blurgate-eval models pull ${manifest.name}\``;
          } else if (!existsSync(join(dir, manifest.file))) {
            problem = `model file ${manifest.file} is missing`;
          }
        } catch (error) {
          problem = (error as Error).message;
        }
        found.push({ name: manifest?.name ?? name, version: manifest?.version ?? version, root, dir, manifest, problem });
      }
    }
  }
  return found;
}

/** Orders semver-like versions numerically (1.10.0 after 1.9.0); a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.split('-', 2) as [string, string | undefined];
    return { parts: core.split('.').map((p) => Number.parseInt(p, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.parts.length, y.parts.length); i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

function fromFolder(dir: string, manifest: ModelManifest): ResolvedModel {
  if (manifest.file === null) {
    throw new ModelError(
      'MODEL_NOT_FOUND',
      `${manifest.name}@${manifest.version} (${dir}) describes a model that is not downloaded yet: run \`blurgate-eval models pull ${manifest.name}\``,
    );
  }
  const modelPath = join(dir, manifest.file);
  if (!existsSync(modelPath)) {
    throw new ModelError('MODEL_NOT_FOUND', `${modelPath}: model file named by ${join(dir, MANIFEST)} is missing`);
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

/**
 * Finds a model from a spec: a path to a `.onnx` file (a manifest is not needed), a path to a folder
 * with `manifest.json`, `name` (highest installed version) or `name@version`. Without a spec, the
 * default model {@link DEFAULT_MODEL_NAME}. Manifests are validated; throws {@link ModelError}.
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
      if (!existsSync(join(path, MANIFEST))) {
        throw new ModelError('MODEL_NOT_FOUND', `${spec}: folder has no ${MANIFEST}; pass the .onnx file or a model folder`);
      }
      return fromFolder(path, await readManifest(path));
    }
    const sibling = join(dirname(path), MANIFEST);
    if (existsSync(sibling)) {
      // A model.onnx inside a model folder keeps its manifest (and its checksum).
      const manifest = await readManifest(dirname(path));
      if (manifest.file !== null && resolve(dirname(path), manifest.file) === path) {
        return fromFolder(dirname(path), manifest);
      }
    }
    return { name: basename(path, extname(path)), version: 'unversioned', modelPath: path, manifest: null, dir: null };
  }

  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : spec;
  const version = at > 0 ? spec.slice(at + 1) : null;
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

function pickHighest(models: readonly InstalledModel[]): ResolvedModel {
  // Highest version wins; for equal versions the earlier root (stable sort) wins.
  const best = [...models].sort((a, b) => compareVersions(b.version, a.version))[0];
  return fromFolder(best.dir, best.manifest!);
}

/** SHA-256 (hex) of some bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads a resolved model's file and checks its sha256 against the manifest (CHECKSUM_MISMATCH). */
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
