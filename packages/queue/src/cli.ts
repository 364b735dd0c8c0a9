#!/usr/bin/env node
// `blurgate-queue`: the same commands as `blurgate queue` for installs without @blurgate/node's CLI.
import { runQueueCli } from './queue-cli.js';

runQueueCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, 'blurgate-queue').then(
  (code) => {
    process.exitCode = code;
  },
);
