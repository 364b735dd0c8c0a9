// Worker entry in plain JS: registers tsx's loader inside the worker (Node 20 does not pass a parent's
// `--import tsx` loader to worker threads), then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./synth-worker.ts');
