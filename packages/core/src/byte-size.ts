/**
 * Parses a size as people write it on a command line: bytes (`1048576`), or with a `K`, `M` or `G`
 * suffix in powers of 1024 (`256M`, `1G`, also `64MiB`, `64MB`).
 *
 * @param text the size as written
 * @returns the number of bytes, or undefined when `text` is not a positive size
 * @example
 * parseByteSize('256M'); // 268435456
 */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+)([KMG]?)i?B?$/i.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * 1024 ** ' KMG'.indexOf((match[2] || ' ').toUpperCase());
  return Number.isSafeInteger(bytes) && bytes >= 1 ? bytes : undefined;
}
