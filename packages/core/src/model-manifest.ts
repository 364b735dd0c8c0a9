/**
 * The `manifest.json` that sits beside every model in `models/<name>/<version>/` (docs/reference-arithmetic.md §6).
 * Validation (`parseModelManifest`) lives in `model-manifest-validate.ts`.
 */

/** Where a model's weights came from. */
export type ModelSource =
  | {
      readonly kind: 'huggingface';
      /** e.g. `bradduy/MagikaDocumentFromPixel` */
      readonly repo: string;
      /** e.g. `best.pt` */
      readonly file: string;
      /** A 40-hex commit, or null when unpinned (the pull records what it got). */
      readonly revision: string | null;
      /** sha256 of the checkpoint file, or null when unpinned. */
      readonly sha256: string | null;
    }
  | {
      readonly kind: 'training';
      /** The recipe and data, e.g. `tools/train` at a git commit. */
      readonly recipe: string;
      readonly checkpointSha256: string | null;
    };

/** One measurement, always with the data it was measured on. */
export interface ModelMetrics {
  /** e.g. `blurgate-synth test split (opencv-doc, r-doc-pdf)` or `GoPro Large test` */
  readonly dataset: string;
  readonly images: number;
  readonly scales: readonly number[];
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly rocAuc: number;
  /** The command that reproduces these figures. */
  readonly command?: string;
}

export interface ModelManifest {
  readonly schemaVersion: 1;
  /** kebab-case, e.g. `blurgate-mnv3-small` */
  readonly name: string;
  /** semver of the model; its major is the compatibility contract with the packages */
  readonly version: string;
  readonly description?: string;
  readonly architecture: 'mobilenet_v3_large' | 'mobilenet_v3_small';
  /** 4: FreqAux computed by core; 3: FreqAux inside the graph */
  readonly inputChannels: 3 | 4;
  /** ONNX file name relative to the manifest, or null for a model that must be pulled first */
  readonly file: string | null;
  /** sha256 (hex) of `file`, or null when `file` is null */
  readonly sha256: string | null;
  readonly preprocessing: {
    readonly resize: 'pillow-bilinear-squash';
    readonly mean: readonly [number, number, number];
    readonly std: readonly [number, number, number];
    readonly freqAux: 'core' | 'in-graph';
  };
  readonly scales: readonly number[];
  readonly thresholds: { readonly confidence: number; readonly blur: number };
  readonly labels: readonly ['sharp', 'blurred'];
  readonly source: ModelSource;
  readonly metrics: readonly ModelMetrics[];
  readonly license?: string;
}
