import type { CommandModule } from 'yargs';

// Placeholder until its issue lands; replaced by the owner of this command.
export const convertCommand: CommandModule = {
  command: 'convert',
  describe: 'not implemented yet',
  handler: () => {
    throw new Error('blurgate-eval convert is not implemented yet');
  },
};
