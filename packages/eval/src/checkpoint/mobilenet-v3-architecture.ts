/** The two torchvision architectures blurgate converts. */
export type MobileNetV3Architecture = 'mobilenet_v3_large' | 'mobilenet_v3_small';

/**
 * One inverted-residual block of torchvision's MobileNetV3 (docs/reference-arithmetic.md §3 table). Channel counts are
 * not here: they are read from the weight shapes, so reduced-width models convert too.
 */
export interface InvertedResidualSpec {
  readonly kernel: 3 | 5;
  readonly squeezeExcite: boolean;
  readonly activation: 'relu' | 'hardswish';
  readonly stride: 1 | 2;
  /** Full-width (width_mult 1) expanded and output channels, for messages and test writers. */
  readonly expanded: number;
  readonly out: number;
}

function spec(
  kernel: 3 | 5,
  expanded: number,
  out: number,
  se: 'yes' | 'no',
  act: 'RE' | 'HS',
  stride: 1 | 2,
): InvertedResidualSpec {
  return {
    kernel,
    expanded,
    out,
    squeezeExcite: se === 'yes',
    activation: act === 'RE' ? 'relu' : 'hardswish',
    stride,
  };
}

/** torchvision `mobilenet_v3_large` blocks, features.1 … features.15. */
export const LARGE_BLOCKS: readonly InvertedResidualSpec[] = [
  spec(3, 16, 16, 'no', 'RE', 1),
  spec(3, 64, 24, 'no', 'RE', 2),
  spec(3, 72, 24, 'no', 'RE', 1),
  spec(5, 72, 40, 'yes', 'RE', 2),
  spec(5, 120, 40, 'yes', 'RE', 1),
  spec(5, 120, 40, 'yes', 'RE', 1),
  spec(3, 240, 80, 'no', 'HS', 2),
  spec(3, 200, 80, 'no', 'HS', 1),
  spec(3, 184, 80, 'no', 'HS', 1),
  spec(3, 184, 80, 'no', 'HS', 1),
  spec(3, 480, 112, 'yes', 'HS', 1),
  spec(3, 672, 112, 'yes', 'HS', 1),
  spec(5, 672, 160, 'yes', 'HS', 2),
  spec(5, 960, 160, 'yes', 'HS', 1),
  spec(5, 960, 160, 'yes', 'HS', 1),
];

/** torchvision `mobilenet_v3_small` blocks, features.1 … features.11. */
export const SMALL_BLOCKS: readonly InvertedResidualSpec[] = [
  spec(3, 16, 16, 'yes', 'RE', 2),
  spec(3, 72, 24, 'no', 'RE', 2),
  spec(3, 88, 24, 'no', 'RE', 1),
  spec(5, 96, 40, 'yes', 'HS', 2),
  spec(5, 240, 40, 'yes', 'HS', 1),
  spec(5, 240, 40, 'yes', 'HS', 1),
  spec(5, 120, 48, 'yes', 'HS', 1),
  spec(5, 144, 48, 'yes', 'HS', 1),
  spec(5, 288, 96, 'yes', 'HS', 2),
  spec(5, 576, 96, 'yes', 'HS', 1),
  spec(5, 576, 96, 'yes', 'HS', 1),
];

export const ARCHITECTURES: Readonly<
  Record<MobileNetV3Architecture, { blocks: readonly InvertedResidualSpec[]; lastConv: number; hidden: number }>
> = {
  mobilenet_v3_large: { blocks: LARGE_BLOCKS, lastConv: 960, hidden: 1280 },
  mobilenet_v3_small: { blocks: SMALL_BLOCKS, lastConv: 576, hidden: 1024 },
};

/** torchvision's `_make_divisible(v, 8)`: channel rounding used by width_mult and squeeze-excite. */
export function makeDivisible(value: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/** BatchNorm eps of torchvision's MobileNetV3. */
export const BATCH_NORM_EPS = 0.001;
