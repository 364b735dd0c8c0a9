import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * SHA-256 of bytes in memory, as 64 lower-case hex digits: the checksum manifests record.
 *
 * @param bytes - the data (a string is hashed as its UTF-8 bytes).
 * @returns the hex digest.
 * @example
 * ```ts
 * sha256Hex(await readFile('model.onnx')) === manifest.sha256;
 * ```
 */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * SHA-256 of a file, streamed so that a large model or checkpoint is not held in memory.
 *
 * @param path - the file to hash.
 * @returns the hex digest, as {@link sha256Hex} gives for the file's bytes.
 * @throws the file system's error (e.g. `ENOENT`) when the file cannot be read.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
