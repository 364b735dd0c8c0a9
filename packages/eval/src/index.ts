/**
 * blurgate's evaluation toolkit, in TypeScript with Node only (no Python, no PyTorch):
 *
 * - **checkpoint conversion**: `convertCheckpoint` / `convertCheckpointFile` turn a PyTorch `torch.save` state
 *   dict of FreqAux + MobileNetV3 into ONNX plus a `manifest.json`, refusing unsafe pickles;
 * - **Hub downloads**: `pullCheckpoint` fetches a checkpoint into the standard Hugging Face cache and checks
 *   its sha256; `pullModel` pulls, converts and installs a model described by a manifest into the model store
 *   of `@blurgate/node/model-store` (the one store API; this package has none of its own);
 * - **evaluation**: `evaluateModel` classifies a labelled dataset (GoPro Large, folders or a manifest file),
 *   resumably, and writes metrics with bootstrap intervals, baselines, sweeps and reports.
 *
 * Library code never prints: progress and notices are callbacks and return values; the `blurgate-eval`
 * command line prints them. The arithmetic it checks is in the repo's `docs/reference-arithmetic.md`.
 *
 * @packageDocumentation
 */
// One barrel per area, each owned separately.
export * from './checkpoint/index.js';
export * from './hub/index.js';
export * from './evaluation/index.js';
