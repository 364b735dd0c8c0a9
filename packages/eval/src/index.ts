// One barrel per area, each owned separately: checkpoint conversion, Hub downloads and the model store,
// evaluation (datasets, metrics, sweeps, reports).
export * from './checkpoint/index.js';
export * from './hub/index.js';
export * from './evaluation/index.js';
