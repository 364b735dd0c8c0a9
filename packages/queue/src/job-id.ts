import { resolve } from 'node:path';
import { sha256Hex } from '@blurgate/node/model-store';

/** True for inputs fetched over the network rather than read from a (shared) file system. */
export function isUrl(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

/**
 * The canonical form of an input, which workers on any machine can open: an absolute path (so a
 * shared mount must sit at the same path everywhere) or a normalised http(s) URL.
 */
export function canonicalInput(input: string, cwd: string = process.cwd()): string {
  if (isUrl(input)) return new URL(input).href;
  return resolve(cwd, input);
}

/**
 * The job id of a canonical input: the first 128 bits of its sha256, in hex. Stable across runs
 * and machines, so enqueueing the same input again finds the same job.
 */
export function jobIdOf(canonical: string): string {
  return sha256Hex(canonical).slice(0, 32);
}
