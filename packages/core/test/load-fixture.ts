import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChannelCount, PixelImage } from '../src/index.js';

/** Reads a JSON fixture written by tools/fixtures/make_core_fixtures.py. */
export function loadFixture<T>(name: string): T {
  const path = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function bytesFromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function float32FromBase64(text: string): Float32Array {
  const bytes = bytesFromBase64(text);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

export function imageFromBase64(text: string, width: number, height: number, channels: number): PixelImage {
  return { data: bytesFromBase64(text), width, height, channels: channels as ChannelCount };
}
