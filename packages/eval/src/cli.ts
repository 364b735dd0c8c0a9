#!/usr/bin/env node
// The `blurgate-eval` command line. Each sub-command lives in its own file under commands/.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { calibrateCommand } from './commands/calibrate.js';
import { convertCommand } from './commands/convert.js';
import { goproCommand } from './commands/gopro.js';
import { modelsCommand } from './commands/models.js';
import { runCommand } from './commands/run.js';

await yargs(hideBin(process.argv))
  .scriptName('blurgate-eval')
  .command(convertCommand)
  .command(modelsCommand)
  .command(runCommand)
  .command(goproCommand)
  .command(calibrateCommand)
  .demandCommand(1, 'name a command: convert, models, run, gopro or calibrate')
  .strict()
  .help()
  .parseAsync();
