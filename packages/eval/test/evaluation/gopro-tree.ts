// Builds small labelled trees from real images (the node fixture photos plus a procedural texture): sharp frames
// are tiny crops, blurred frames are the same crops through sharp.blur or a motion-like line kernel
// (sharp.convolve), so the blur is real blur, not a label.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const NODE_FIXTURES = fileURLToPath(new URL('../../../node/test/fixtures/', import.meta.url));
const SOURCES = ['china.png', 'flower.png', 'texture.png'];

function motionKernel(size: number): { width: number; height: number; kernel: number[] } {
  // A horizontal line: camera shake along x, the dominant motion in GoPro frames.
  const kernel = new Array<number>(size * size).fill(0);
  const row = Math.floor(size / 2);
  for (let x = 0; x < size; x++) kernel[row * size + x] = 1;
  return { width: size, height: size, kernel };
}

async function sharpFrame(source: number, frame: number): Promise<Buffer> {
  const file = join(NODE_FIXTURES, 'images', SOURCES[source % SOURCES.length]);
  const meta = await sharp(file).metadata();
  const width = 72;
  const height = 48;
  const left = Math.min((frame * 17) % Math.max(1, (meta.width ?? width) - width), (meta.width ?? width) - width);
  const top = Math.min((frame * 11) % Math.max(1, (meta.height ?? height) - height), (meta.height ?? height) - height);
  return sharp(file).removeAlpha().extract({ left, top, width, height }).png().toBuffer();
}

async function blurredFrame(sharpPng: Buffer, frame: number, gamma = false): Promise<Buffer> {
  let pipeline = sharp(sharpPng);
  pipeline = frame % 2 === 0 ? pipeline.blur(2.5) : pipeline.convolve(motionKernel(9));
  if (gamma) pipeline = pipeline.gamma(2.2);
  return pipeline.png().toBuffer();
}

export interface TreeFrame {
  readonly scene: string;
  readonly name: string;
  readonly sharp: Buffer;
  readonly blur: Buffer;
  readonly blurGamma: Buffer;
}

/** Frames of a tiny GoPro-like split: `scenes` scenes of `frames` frames each. */
export async function makeFrames(scenes = 2, frames = 3): Promise<TreeFrame[]> {
  const out: TreeFrame[] = [];
  for (let s = 0; s < scenes; s++) {
    for (let f = 0; f < frames; f++) {
      const sharpPng = await sharpFrame(s + f, s * frames + f);
      out.push({
        scene: `GOPR03${84 + s}_11_0${s}`,
        name: `${String(f + 1).padStart(6, '0')}.png`,
        sharp: sharpPng,
        blur: await blurredFrame(sharpPng, s * frames + f),
        blurGamma: await blurredFrame(sharpPng, s * frames + f, true),
      });
    }
  }
  return out;
}

async function put(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/** `<root>/GOPRO_Large/{train,test}/<scene>/{blur,blur_gamma,sharp}/NNNNNN.png`; returns the GOPRO_Large path. */
export async function writeGoproLarge(root: string, frames: readonly TreeFrame[]): Promise<string> {
  const base = join(root, 'GOPRO_Large');
  for (const f of frames) {
    for (const split of ['test']) {
      await put(join(base, split, f.scene, 'sharp', f.name), f.sharp);
      await put(join(base, split, f.scene, 'blur', f.name), f.blur);
      await put(join(base, split, f.scene, 'blur_gamma', f.name), f.blurGamma);
    }
  }
  // A train split with one scene, which the test split must never pick up.
  await put(join(base, 'train', 'GOPR0372_07_00', 'sharp', '000001.png'), frames[0].sharp);
  await put(join(base, 'train', 'GOPR0372_07_00', 'blur', '000001.png'), frames[0].blur);
  return base;
}

/** `<root>/reorganised/test/{blur,sharp}/<scene>_<name>`; returns `<root>/reorganised`. */
export async function writeReorganised(root: string, frames: readonly TreeFrame[]): Promise<string> {
  const base = join(root, 'reorganised');
  for (const f of frames) {
    await put(join(base, 'test', 'sharp', `${f.scene}_${f.name}`), f.sharp);
    await put(join(base, 'test', 'blur', `${f.scene}_${f.name}`), f.blur);
  }
  return base;
}

/** `<root>/generic/{sharp,blurred}/...` with a nested folder; returns `<root>/generic`. */
export async function writeGeneric(root: string, frames: readonly TreeFrame[]): Promise<string> {
  const base = join(root, 'generic');
  for (const f of frames) {
    await put(join(base, 'sharp', f.scene, f.name), f.sharp);
    await put(join(base, 'blurred', f.scene, f.name), f.blur);
  }
  await writeFile(join(base, 'sharp', 'notes.txt'), 'not an image');
  return base;
}

/** A CSV and a JSONL manifest over the generic tree's files (paths relative to the manifests). */
export async function writeManifests(
  root: string,
  frames: readonly TreeFrame[],
): Promise<{ csv: string; jsonl: string }> {
  const dir = join(root, 'manifests');
  await mkdir(join(dir, 'images'), { recursive: true });
  const rows: { path: string; label: string }[] = [];
  for (const [i, f] of frames.entries()) {
    await writeFile(join(dir, 'images', `s${i}.png`), f.sharp);
    await writeFile(join(dir, 'images', `b${i}.png`), f.blur);
    rows.push(
      { path: `images/s${i}.png`, label: i % 2 ? 'sharp' : '0' },
      { path: `images/b${i}.png`, label: i % 2 ? 'blurred' : 'blur' },
    );
  }
  const csv = join(dir, 'labels.csv');
  const jsonl = join(dir, 'labels.jsonl');
  await writeFile(csv, `path,label\n${rows.map((r) => `${r.path},${r.label}`).join('\n')}\n`);
  await writeFile(jsonl, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return { csv, jsonl };
}

export async function copyFixtureModel(name: 'tiny-3ch.onnx' | 'tiny-4ch.onnx', to: string): Promise<string> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(join(NODE_FIXTURES, 'models', name), to);
  return to;
}
