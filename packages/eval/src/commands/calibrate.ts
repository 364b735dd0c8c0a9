import type { CommandModule } from 'yargs';

// Placeholder until its issue lands; replaced by the owner of this command.
export const calibrateCommand: CommandModule = {
  command: 'calibrate',
  describe: 'not implemented yet',
  handler: () => {
    throw new Error('blurgate-eval calibrate is not implemented yet');
  },
};
