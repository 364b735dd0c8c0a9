export * from './pixel-image.js';
export * from './errors.js';
export * from './runtime.js';
export * from './prediction.js';
export * from './model-manifest.js';
