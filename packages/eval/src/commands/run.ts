import type { CommandModule } from 'yargs';

// Placeholder until its issue lands; replaced by the owner of this command.
export const runCommand: CommandModule = {
  command: 'run',
  describe: 'not implemented yet',
  handler: () => {
    throw new Error('blurgate-eval run is not implemented yet');
  },
};
