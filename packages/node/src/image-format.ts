/** The raster formats blurgate decodes (sharp's loaders), plus SVG when vector input is enabled. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'heif' | 'svg';

/** What the first bytes of a file say it is. */
export type SniffedFormat =
  | { readonly kind: 'image'; readonly format: ImageFormat }
  /** A recognised format that is never decoded (documents, scripts), with a phrase naming it. */
  | { readonly kind: 'refused'; readonly what: string }
  | { readonly kind: 'unknown' };

// ISO base media (HEIF/AVIF) major brands libheif reads.
const HEIF_BRANDS = new Set(['avif', 'avis', 'mif1', 'msf1', 'heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);

const LATIN1 = new TextDecoder('latin1');

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return LATIN1.decode(bytes.subarray(from, Math.min(to, bytes.length)));
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

/**
 * The format of an encoded image from its magic bytes, never from its name. Text starting with `<`
 * is SVG when an `<svg` element opens in its first 64 KiB, otherwise an XML/HTML document (refused).
 * Hand-written because the check must decide before any decoder sees the bytes, and libvips' own
 * sniffing would hand SVG, or anything else it can load, to its loader.
 */
export function sniffImageFormat(bytes: Uint8Array): SniffedFormat {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'image', format: 'png' };
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'image', format: 'jpeg' };
  const head = ascii(bytes, 0, 16);
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a')) return { kind: 'image', format: 'gif' };
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return { kind: 'image', format: 'webp' };
  if (['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].includes(head.slice(0, 4))) return { kind: 'image', format: 'tiff' };
  if (head.slice(4, 8) === 'ftyp') {
    if (HEIF_BRANDS.has(head.slice(8, 12))) return { kind: 'image', format: 'heif' };
    return {
      kind: 'refused',
      what: `an ISO media file of brand "${head.slice(8, 12).replace(/[^\x20-\x7e]/g, '?')}" (a video or other container)`,
    };
  }
  if (head.startsWith('%PDF')) return { kind: 'refused', what: 'a PDF document' };
  if (head.startsWith('%!') || startsWith(bytes, [0xc5, 0xd0, 0xd3, 0xc6]))
    return { kind: 'refused', what: 'a PostScript/EPS document' };
  if (startsWith(bytes, [0x1f, 0x8b])) return { kind: 'refused', what: 'a gzip-compressed file (e.g. SVGZ)' };
  // Text: skip a UTF-8 byte-order mark and leading white space.
  let at = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (
    at < bytes.length &&
    at < 4096 &&
    (bytes[at] === 0x20 || bytes[at] === 0x09 || bytes[at] === 0x0a || bytes[at] === 0x0d)
  )
    at++;
  if (bytes[at] === 0x3c /* < */) {
    const text = ascii(bytes, at, at + 65536).toLowerCase();
    if (text.includes('<svg')) return { kind: 'image', format: 'svg' };
    return { kind: 'refused', what: 'an XML or HTML document' };
  }
  return { kind: 'unknown' };
}
