/** Number of interleaved 8-bit channels: grey, grey+alpha, RGB, RGBA. */
export type ChannelCount = 1 | 2 | 3 | 4;

/**
 * An 8-bit image with interleaved channels, row-major, no padding between rows.
 * `data.length === width * height * channels`. This is the one pixel type core works on;
 * decoding (sharp in Node, canvas in browsers) happens at the edges.
 */
export interface PixelImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: ChannelCount;
}
