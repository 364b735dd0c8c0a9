import type { OnnxGraph } from './onnx-graph.js';
import type { StateDictReader } from './state-dict-reader.js';

/** docs/reference-arithmetic.md §1.3 constants, used when a checkpoint has no `freq_aux.*` buffers. */
const DEFAULT_BUFFERS = {
  kernel: new Float32Array([0, 1, 0, 1, -4, 1, 0, 1, 0]),
  mean: new Float32Array([0.485, 0.456, 0.406]),
  std: new Float32Array([0.229, 0.224, 0.225]),
  rgb2gray: new Float32Array([0.2989, 0.587, 0.114]),
};

function buffer(sd: StateDictReader, name: keyof typeof DEFAULT_BUFFERS, dims: readonly number[]): Float32Array {
  if (!sd.has(name)) return DEFAULT_BUFFERS[name];
  return sd.float(name, dims, 'FreqAux buffer').values;
}

/**
 * The FreqAux module (docs/reference-arithmetic.md §1.3) as ONNX: from the normalised RGB `input` (N×3×H×W), computes the
 * per-image standardised Laplacian magnitude of the luma and returns `concat([input, aux])` (N×4×H×W).
 * Uses the checkpoint's `freq_aux.{kernel,mean,std,rgb2gray}` buffers (via `sd`, prefixed `freq_aux.`)
 * when present, the constants of docs/reference-arithmetic.md §1.3 otherwise.
 */
export function buildFreqAux(graph: OnnxGraph, sd: StateDictReader, input: string): string {
  const kernel = buffer(sd, 'kernel', [1, 1, 3, 3]);
  const mean = buffer(sd, 'mean', [1, 3, 1, 1]);
  const std = buffer(sd, 'std', [1, 3, 1, 1]);
  const gray = buffer(sd, 'rgb2gray', [1, 3, 1, 1]);
  const c = (hint: string, dims: readonly number[], values: Float32Array): string => graph.constant(hint, dims, values);

  // rgb = x * std + mean (undo the ImageNet normalisation)
  const rgb = graph.node(
    'Add',
    [graph.node('Mul', [input, c('freq_aux_std', [1, 3, 1, 1], std)]), c('freq_aux_mean', [1, 3, 1, 1], mean)],
    {},
    'rgb',
  );
  // luma = sum over channels of rgb * rgb2gray (Mul + ReduceSum, the reference's order of operations)
  const luma = graph.node(
    'ReduceSum',
    [graph.node('Mul', [rgb, c('freq_aux_rgb2gray', [1, 3, 1, 1], gray)]), graph.constantInt64('axis_c', [1])],
    { keepdims: 1 },
    'luma',
  );
  const laplacian = graph.node(
    'Conv',
    [luma, c('freq_aux_kernel', [1, 1, 3, 3], kernel)],
    { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    'laplacian',
  );
  const magnitude = graph.node('Abs', [laplacian], {}, 'magnitude');
  // Reductions over all H·W values run in two stages (each row, then the rows): one float32 pass over
  // 262 144 values drifts by ~1e-5 relative, which moved logits by ~1e-4; PyTorch accumulates in double.
  const rowMean = graph.node('ReduceMean', [magnitude], { axes: [3], keepdims: 1 }, 'row_mean');
  const mu = graph.node('ReduceMean', [rowMean], { axes: [1, 2], keepdims: 1 }, 'mean');
  const centred = graph.node('Sub', [magnitude, mu], {}, 'centred');
  const rowSquares = graph.node(
    'ReduceSum',
    [graph.node('Mul', [centred, centred]), graph.constantInt64('axis_w', [3])],
    { keepdims: 1 },
    'row_squares',
  );
  const sumSquares = graph.node(
    'ReduceSum',
    [rowSquares, graph.constantInt64('axes_ch', [1, 2])],
    { keepdims: 1 },
    'sum_squares',
  );
  // N = H·W, read from the dynamic shape; unbiased variance divides by N − 1
  const hw = graph.node(
    'Cast',
    [
      graph.node('Slice', [
        graph.node('Shape', [magnitude]),
        graph.constantInt64('hw_start', [2]),
        graph.constantInt64('hw_end', [4]),
      ]),
    ],
    { to: 1 },
    'hw',
  );
  const count = graph.node('ReduceProd', [hw], { keepdims: 0 }, 'count');
  const dof = graph.node('Sub', [count, c('one', [], new Float32Array([1]))], {}, 'dof');
  const sigma = graph.node('Sqrt', [graph.node('Div', [sumSquares, dof])], {}, 'sigma');
  const clamped = graph.node('Max', [sigma, c('sigma_floor', [], new Float32Array([1e-6]))], {}, 'sigma_clamped');
  const aux = graph.node('Div', [centred, clamped], {}, 'aux');
  return graph.node('Concat', [input, aux], { axis: 1 }, 'with_aux');
}
