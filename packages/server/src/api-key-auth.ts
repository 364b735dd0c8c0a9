import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { OptionError } from '@blurgate/core';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Reads API keys from a file: one key per line; blank lines and lines starting with `#` are skipped.
 *
 * @param path - the `--api-key-file`.
 * @returns the keys, at least one.
 * @throws {@link OptionError} when the file cannot be read or holds no key.
 */
export async function readApiKeyFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new OptionError(`--api-key-file ${path}: cannot be read (${(cause as Error).message})`, { cause });
  }
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0) throw new OptionError(`--api-key-file ${path}: has no key (one key per line)`);
  return keys;
}

/**
 * Checks `Authorization: Bearer <key>` against the accepted keys in constant time: both sides are
 * hashed to 32 bytes (so lengths do not leak) and compared with `timingSafeEqual`, every key every time.
 */
export class ApiKeyVerifier {
  readonly #digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new OptionError('apiKeys must hold at least one key');
    if (keys.some((k) => k.length === 0)) throw new OptionError('apiKeys must not hold an empty key');
    this.#digests = keys.map(sha256);
  }

  /** Whether the Authorization header carries an accepted bearer token. */
  accepts(authorization: string | undefined): boolean {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    const presented = sha256(match ? match[1] : '');
    let accepted = false;
    for (const digest of this.#digests) {
      accepted = timingSafeEqual(presented, digest) || accepted;
    }
    return accepted && match !== null;
  }
}
