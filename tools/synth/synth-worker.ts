/** Worker thread: makes the tiles or views of the jobs it is sent (CPU-bound convolution runs here, not on main). */
import { parentPort } from 'node:worker_threads';
import { makeTiles, type TileJob } from './make-tiles.js';
import { makeViews, type ViewJob } from './make-views.js';

parentPort?.on('message', (job: TileJob | ViewJob) => {
  ('views' in job ? makeViews(job) : makeTiles(job)).then(
    (records) => parentPort?.postMessage({ ok: true, records }),
    (error: unknown) => parentPort?.postMessage({ ok: false, file: job.file, error: String(error) }),
  );
});
