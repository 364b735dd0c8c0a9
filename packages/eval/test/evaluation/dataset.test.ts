import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDataset, type Dataset, DatasetError, openDataset } from '../../src/evaluation/index.js';
import {
  makeFrames,
  type TreeFrame,
  writeGeneric,
  writeGoproLarge,
  writeManifests,
  writeReorganised,
} from './gopro-tree.js';

let root: string;
let frames: TreeFrame[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'blurgate-eval-datasets-'));
  frames = await makeFrames(2, 3);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function files(dataset: Dataset): Promise<string[]> {
  const out: string[] = [];
  for await (const item of dataset.items()) out.push(`${item.truth}:${item.file}`);
  return out;
}

describe('dataset layouts', () => {
  it('reads GoPro Large as distributed, given GOPRO_Large or its test folder, blur_gamma excluded by default', async () => {
    const gopro = await writeGoproLarge(root, frames);
    const large = await openDataset(gopro);
    expect(large.layout).toBe('gopro-large');
    expect(await countDataset(large)).toEqual({ sharp: 6, blurred: 6, total: 12 });
    const listed = await files(large);
    expect(listed.every((f) => f.includes(':test/'))).toBe(true);
    expect(listed.some((f) => f.includes('blur_gamma'))).toBe(false);
    expect(listed).toContain('blurred:test/GOPR0384_11_00/blur/000001.png');
    expect(listed).toContain('sharp:test/GOPR0385_11_01/sharp/000003.png');

    const scenes = await openDataset(join(gopro, 'test'));
    expect(scenes.layout).toBe('gopro-scenes');
    expect(await countDataset(scenes)).toEqual({ sharp: 6, blurred: 6, total: 12 });

    const withGamma = await openDataset(gopro, { includeBlurGamma: true });
    expect(await countDataset(withGamma)).toEqual({ sharp: 6, blurred: 12, total: 18 });
    expect(
      (await files(withGamma)).filter((f) => f.includes('blur_gamma')).every((f) => f.startsWith('blurred:')),
    ).toBe(true);
  });

  it('reads the reorganised layout at its root and at test/', async () => {
    const base = await writeReorganised(root, frames);
    for (const path of [base, join(base, 'test')]) {
      const dataset = await openDataset(path);
      expect(dataset.layout).toBe('gopro-reorganised');
      expect(await countDataset(dataset)).toEqual({ sharp: 6, blurred: 6, total: 12 });
    }
  });

  it('reads generic sharp/ and blurred/ recursively, ignoring non-images', async () => {
    const dataset = await openDataset(await writeGeneric(root, frames));
    expect(dataset.layout).toBe('generic');
    const listed = await files(dataset);
    expect(listed).toHaveLength(12);
    expect(listed).toContain('blurred:blurred/GOPR0384_11_00/000002.png');
    expect(listed.some((f) => f.endsWith('.txt'))).toBe(false);
  });

  it('follows symbolic links to class folders', async () => {
    const { symlink } = await import('node:fs/promises');
    const generic = await writeGeneric(join(root, 'link-targets'), frames);
    const linked = join(root, 'linked');
    await mkdir(linked, { recursive: true });
    await symlink(join(generic, 'sharp'), join(linked, 'sharp'));
    await symlink(join(generic, 'blurred'), join(linked, 'blurred'));
    expect(await countDataset(await openDataset(linked))).toEqual({ sharp: 6, blurred: 6, total: 12 });
  });

  it('reads CSV and JSONL manifests with paths relative to the manifest', async () => {
    const { csv, jsonl } = await writeManifests(root, frames);
    for (const path of [csv, jsonl]) {
      const dataset = await openDataset(path);
      expect(dataset.layout).toBe(path.endsWith('.csv') ? 'manifest-csv' : 'manifest-jsonl');
      expect(await countDataset(dataset)).toEqual({ sharp: 6, blurred: 6, total: 12 });
      const first = (await dataset.items()[Symbol.asyncIterator]().next()).value!;
      expect(first).toEqual({
        file: 'images/s0.png',
        path: join(root, 'manifests', 'images', 's0.png'),
        truth: 'sharp',
      });
    }
  });

  it('names a bad manifest label and its row', async () => {
    const bad = join(root, 'bad.csv');
    await writeFile(bad, 'path,label\na.png,sharp\nb.png,fuzzy\n');
    const dataset = await openDataset(bad);
    await expect(countDataset(dataset)).rejects.toThrow(/row 3: label "fuzzy"/);
  });

  it('explains a wrong folder: accepted layouts and what was found', async () => {
    const wrong = join(root, 'holiday-photos');
    await mkdir(join(wrong, 'beach'), { recursive: true });
    await writeFile(join(wrong, 'IMG_0001.jpg'), 'x');
    const error = await openDataset(wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    const message = (error as Error).message;
    expect(message).toMatch(/<GOPRO_Large>\/test\/<scene>\/\{blur,blur_gamma,sharp\}/);
    expect(message).toMatch(/\{sharp,blurred\}/);
    expect(message).toMatch(/manifest/);
    expect(message).toMatch(/Found: IMG_0001\.jpg, beach\//);
    await expect(openDataset(join(root, 'missing'))).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
  });
});
