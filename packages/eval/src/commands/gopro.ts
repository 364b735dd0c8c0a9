import type { CommandModule } from 'yargs';

// Placeholder until its issue lands; replaced by the owner of this command.
export const goproCommand: CommandModule = {
  command: 'gopro',
  describe: 'not implemented yet',
  handler: () => {
    throw new Error('blurgate-eval gopro is not implemented yet');
  },
};
