/**
 * File extensions (lower case, without the dot) of the images blurgate picks up from folders, globs and
 * datasets. A file named explicitly is always taken; a format a platform's decoder cannot read becomes a
 * per-image `DECODE_FAILED` result, never a silent skip.
 */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze([
  'jpg',
  'jpeg',
  'png',
  'webp',
  'avif',
  'tif',
  'tiff',
  'gif',
  'bmp',
  'heic',
  'heif',
]);

/**
 * Whether a file name or path ends in one of {@link IMAGE_EXTENSIONS} (any case).
 *
 * @param name - a file name or path, e.g. `scans/page-1.JPG`.
 * @returns true for an image extension.
 * @example
 * ```ts
 * hasImageExtension('a/b.Jpeg'); // true
 * hasImageExtension('notes.txt'); // false
 * ```
 */
export function hasImageExtension(name: string): boolean {
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const dot = name.lastIndexOf('.');
  return dot > slash + 1 && IMAGE_EXTENSIONS.includes(name.slice(dot + 1).toLowerCase());
}
