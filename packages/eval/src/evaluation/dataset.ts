import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { readdir } from 'node:fs/promises';
import { DatasetError } from './dataset-error.js';
import type { ClassCounts, Dataset, DatasetItem, DatasetLayout, Truth } from './dataset-types.js';
import { subdirectories, walkImages } from './image-files.js';
import { csvManifestItems, jsonlManifestItems } from './manifest-dataset.js';

export interface OpenDatasetOptions {
  /** Count GoPro's `blur_gamma` frames as blurred too (excluded by default, as in the card's test set). */
  readonly includeBlurGamma?: boolean;
  /** GoPro split when given the `GOPRO_Large` folder; default `test`. */
  readonly split?: string;
}

export const ACCEPTED_LAYOUTS = [
  'GoPro Large as distributed: <GOPRO_Large>/test/<scene>/{blur,blur_gamma,sharp}/*.png (give GOPRO_Large or its test folder)',
  'GoPro reorganised: <root>/test/{blur,sharp}/** (give <root> or its test folder)',
  'generic: <root>/{sharp,blurred}/**',
  'a manifest: .csv with a "path,label" header, or .jsonl with {"path","label"} lines (paths relative to the manifest)',
];

interface ClassFolder {
  /** Relative to the dataset root, `/`-separated. */
  readonly dir: string;
  readonly truth: Truth;
}

function gatedClassFolders(prefix: string, names: readonly string[], includeBlurGamma: boolean): ClassFolder[] {
  const join2 = (name: string) => (prefix ? `${prefix}/${name}` : name);
  const folders: ClassFolder[] = [{ dir: join2('blur'), truth: 'blurred' }];
  if (includeBlurGamma && names.includes('blur_gamma')) folders.push({ dir: join2('blur_gamma'), truth: 'blurred' });
  folders.push({ dir: join2('sharp'), truth: 'sharp' });
  return folders;
}

function folderDataset(
  input: string,
  layout: DatasetLayout,
  description: string,
  includeBlurGamma: boolean,
  folders: () => AsyncIterable<ClassFolder>,
): Dataset {
  return {
    input,
    root: input,
    layout,
    description,
    includeBlurGamma,
    async *items(): AsyncGenerator<DatasetItem> {
      for await (const folder of folders()) {
        for await (const rel of walkImages(join(input, ...folder.dir.split('/')), folder.dir)) {
          yield { file: rel, path: join(input, ...rel.split('/')), truth: folder.truth };
        }
      }
    },
  };
}

async function scenesWithClasses(dir: string): Promise<string[]> {
  const scenes: string[] = [];
  for (const name of await subdirectories(dir)) {
    const inside = await subdirectories(join(dir, name));
    if (inside.includes('blur') && inside.includes('sharp')) scenes.push(name);
  }
  return scenes;
}

async function describeFound(dir: string): Promise<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const shown = entries
    .filter((e) => !e.name.startsWith('.'))
    .slice(0, 12)
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
  if (shown.length === 0) return 'an empty folder';
  return shown.join(', ') + (entries.length > 12 ? `, ... (${entries.length} entries)` : '');
}

/**
 * Detects the layout of a dataset folder or manifest and returns a streaming view of its images.
 * Throws `DatasetError` naming the accepted layouts and what was found when nothing matches.
 */
export async function openDataset(inputPath: string, options: OpenDatasetOptions = {}): Promise<Dataset> {
  const input = resolve(inputPath);
  const includeBlurGamma = options.includeBlurGamma ?? false;
  const split = options.split ?? 'test';
  const gammaNote = includeBlurGamma ? 'blur_gamma included as blurred' : 'blur_gamma excluded';
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(input);
  } catch (cause) {
    throw new DatasetError(
      'INPUT_NOT_FOUND',
      `dataset ${input} does not exist. Accepted: ${ACCEPTED_LAYOUTS.join('; ')}`,
      { cause },
    );
  }
  if (info.isFile()) {
    const lower = input.toLowerCase();
    const root = resolve(input, '..');
    if (lower.endsWith('.csv')) {
      return {
        input,
        root,
        layout: 'manifest-csv',
        description: `CSV manifest ${basename(input)}`,
        includeBlurGamma,
        items: () => csvManifestItems(input),
      };
    }
    if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) {
      return {
        input,
        root,
        layout: 'manifest-jsonl',
        description: `JSONL manifest ${basename(input)}`,
        includeBlurGamma,
        items: () => jsonlManifestItems(input),
      };
    }
    throw new DatasetError(
      'INVALID_OPTION',
      `${input} is a file but not a .csv or .jsonl manifest. Accepted: ${ACCEPTED_LAYOUTS.join('; ')}`,
    );
  }
  const names = await subdirectories(input);
  if (names.includes('sharp') && names.includes('blurred')) {
    return folderDataset(input, 'generic', 'generic folders sharp/ and blurred/', includeBlurGamma, async function* () {
      yield { dir: 'blurred', truth: 'blurred' };
      yield { dir: 'sharp', truth: 'sharp' };
    });
  }
  if (names.includes('sharp') && names.includes('blur')) {
    return folderDataset(
      input,
      'gopro-reorganised',
      `GoPro reorganised folders blur/ and sharp/ (${gammaNote})`,
      includeBlurGamma,
      async function* () {
        yield* gatedClassFolders('', names, includeBlurGamma);
      },
    );
  }
  if (names.includes(split)) {
    const splitDir = join(input, split);
    const inside = await subdirectories(splitDir);
    if (inside.includes('sharp') && inside.includes('blur')) {
      return folderDataset(
        input,
        'gopro-reorganised',
        `GoPro reorganised ${split}/{blur,sharp} (${gammaNote})`,
        includeBlurGamma,
        async function* () {
          yield* gatedClassFolders(split, inside, includeBlurGamma);
        },
      );
    }
    const scenes = await scenesWithClasses(splitDir);
    if (scenes.length > 0) {
      return folderDataset(
        input,
        'gopro-large',
        `GoPro Large as distributed, ${split} split, ${scenes.length} scenes (${gammaNote})`,
        includeBlurGamma,
        async function* () {
          for (const scene of scenes)
            yield* gatedClassFolders(
              `${split}/${scene}`,
              await subdirectories(join(splitDir, scene)),
              includeBlurGamma,
            );
        },
      );
    }
  }
  const scenes = await scenesWithClasses(input);
  if (scenes.length > 0) {
    return folderDataset(
      input,
      'gopro-scenes',
      `GoPro Large scene folders, ${scenes.length} scenes (${gammaNote})`,
      includeBlurGamma,
      async function* () {
        for (const scene of scenes)
          yield* gatedClassFolders(scene, await subdirectories(join(input, scene)), includeBlurGamma);
      },
    );
  }
  throw new DatasetError(
    'INVALID_OPTION',
    `no dataset layout recognised in ${input}. Accepted layouts: ${ACCEPTED_LAYOUTS.join('; ')}. Found: ${await describeFound(input)}`,
  );
}

/** Counts images per class by streaming the dataset's names (no image is read). */
export async function countDataset(dataset: Dataset): Promise<ClassCounts> {
  let sharp = 0;
  let blurred = 0;
  for await (const item of dataset.items()) {
    if (item.truth === 'sharp') sharp++;
    else blurred++;
  }
  return { sharp, blurred, total: sharp + blurred };
}
