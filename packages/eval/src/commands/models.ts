import type { CommandModule } from 'yargs';

// Placeholder until its issue lands; replaced by the owner of this command.
export const modelsCommand: CommandModule = {
  command: 'models',
  describe: 'not implemented yet',
  handler: () => {
    throw new Error('blurgate-eval models is not implemented yet');
  },
};
