#!/usr/bin/env node
// `pnpm bench [--runs N] [--files N] [--reference] [--large N] [--rss-images N] [--cold-runs N]`: the node bench
// (ratios against the model alone, where the time goes, classifyMany throughput with 0-2 prepare workers, fastDecode on
// large photos, CLI cold start, CLI peak RSS over a folder; --reference adds the PyTorch reference predictor) then the web bench (browser vs
// node), in one run. Needs a build (`pnpm build`). Figures are for an idle machine; tests never assert timings.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    files: { type: 'string' },
    reference: { type: 'boolean', default: false },
    large: { type: 'string' },
    'rss-images': { type: 'string' },
    'cold-runs': { type: 'string' },
  },
});
const runs = values.runs ? ['--runs', values.runs] : [];
const passOn = (...names) => names.flatMap((name) => (values[name] === undefined ? [] : [`--${name}`, values[name]]));
const steps = [
  ['packages/node/bench/run.mjs', [...runs, ...(values.files ? ['--files', values.files] : []), ...(values.reference ? ['--reference'] : []), ...passOn('large', 'rss-images', 'cold-runs')]],
  ['packages/web/bench/run.mjs', runs],
];
for (const [script, args] of steps) {
  const { status } = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
