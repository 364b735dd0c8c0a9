// Hugging Face Hub downloads, the model store and versioned models (issue 3).
export * from './download-progress.js';
export * from './format-bytes.js';
export * from './hf-cache.js';
export * from './hub-url.js';
export * from './install-model.js';
export * from './known-models.js';
export * from './model-readme.js';
export * from './pull-checkpoint.js';
export * from './pull-model.js';
