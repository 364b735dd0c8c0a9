#!/usr/bin/env node
// `pnpm bench [--runs N] [--files N] [--reference]`: the node bench (ratios against the model alone, where the time
// goes, classifyMany throughput; --reference adds the PyTorch reference predictor) then the web bench (browser vs
// node), in one run. Needs a build (`pnpm build`). Figures are for an idle machine; tests never assert timings.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    files: { type: 'string' },
    reference: { type: 'boolean', default: false },
  },
});
const runs = values.runs ? ['--runs', values.runs] : [];
const steps = [
  ['packages/node/bench/run.mjs', [...runs, ...(values.files ? ['--files', values.files] : []), ...(values.reference ? ['--reference'] : [])]],
  ['packages/web/bench/run.mjs', runs],
];
for (const [script, args] of steps) {
  const { status } = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
