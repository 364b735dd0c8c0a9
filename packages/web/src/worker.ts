export { createBlurGateWorker, type BlurGateWorker, type BlurGateWorkerOptions } from './worker/client.js';
