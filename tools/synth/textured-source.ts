import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { createRng } from './rng.js';

/**
 * Writes a textured PNG test source: `block` × `block` pixel blocks of pseudo-random colour with a little noise,
 * so strong edges are everywhere (the synth tests' sharp source).
 */
export async function writeTexturedSource(
  path: string,
  width: number,
  height: number,
  block: number,
  seed: number,
): Promise<string> {
  const rng = createRng(seed);
  const px = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = (Math.floor(x / block) * 7919 + Math.floor(y / block) * 104729) % 251;
      for (let c = 0; c < 3; c++) px[(y * width + x) * 3 + c] = (v + c * 40 + Math.floor(rng.next() * 8)) % 256;
    }
  await writeFile(
    path,
    await sharp(px, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
  return path;
}
