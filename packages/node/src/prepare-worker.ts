// A piscina worker of the prepare pool (prepare-pool.ts): decodes one image with sharp and builds its model inputs
// with core's preprocessor and WebAssembly kernels, then moves the Float32Arrays back to the main thread (their
// buffers are transferred, not copied). The model session stays on the main thread; this file never loads it.
import {
  type ClassifyFailure,
  createPreprocessor,
  failureOf,
  type ModelInputs,
  prepareModelInputs,
} from '@blurgate/core';
import { Piscina } from 'piscina';
import { type DecodeImageOptions, decodeImage, type ImageSource } from './decode-image.js';
import { loadPreprocessKernels } from './preprocess-kernels.js';

/** One task: the input (a path, a name as bytes, or encoded bytes) and what the gate asks for. */
export interface PrepareTask {
  readonly input: ImageSource;
  readonly scales: readonly number[];
  readonly channels: 3 | 4;
  readonly minSide: number;
  readonly decodeOptions: DecodeImageOptions;
  /** Arrays of earlier inputs the main thread has finished with (transferred here), for this worker to refill. */
  readonly spare?: readonly Float32Array[];
}

/** What a task answers: the inputs, or the image's failure as a record (errors lose their class across threads). */
export type PrepareOutcome = { readonly inputs: ModelInputs } | { readonly failure: ClassifyFailure };

// One preprocessor (and one WebAssembly instance) per worker, made on first use.
let preprocessor: ReturnType<typeof createPreprocessor> | undefined;

/** A structured clone turns an ImageFile's Buffer into a plain Uint8Array; fs wants a Buffer back. */
function revive(input: ImageSource): ImageSource {
  if (typeof input === 'object' && !(input instanceof Uint8Array)) {
    const path = input.path as Uint8Array;
    return { name: input.name, path: Buffer.from(path.buffer, path.byteOffset, path.byteLength) };
  }
  return input;
}

/** An array whose buffer is exactly its own can be transferred; any other is copied first. */
function ownBuffer(array: Float32Array): Float32Array {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength && array.buffer instanceof ArrayBuffer
    ? array
    : array.slice();
}

export default async function prepare(task: PrepareTask): Promise<PrepareOutcome | ReturnType<typeof Piscina.move>> {
  try {
    preprocessor ??= createPreprocessor({ wasm: await loadPreprocessKernels() });
    for (const array of task.spare ?? []) preprocessor.recycle?.(array);
    const image = await decodeImage(revive(task.input), task.decodeOptions);
    const prepared = prepareModelInputs(image, {
      scales: task.scales,
      channels: task.channels,
      minSide: task.minSide,
      preprocessor,
    });
    const inputs = prepared.inputs.map(ownBuffer);
    const outcome: PrepareOutcome = { inputs: { ...prepared, inputs } };
    // piscina's Transferable protocol: the value to post and the buffers to transfer with it.
    const transferable = {
      get [Piscina.transferableSymbol]() {
        return inputs.map((array) => array.buffer);
      },
      get [Piscina.valueSymbol]() {
        return outcome;
      },
    };
    return Piscina.move(transferable as unknown as Parameters<typeof Piscina.move>[0]);
  } catch (error) {
    return { failure: failureOf(error) };
  }
}
