import type { CommandModule } from 'yargs';
import type { CliIo } from './classify-command.js';
import { loadOptionalPackage } from './optional-package.js';

/** The part of @blurgate/queue this CLI uses (typed here: node does not depend on the queue package). */
interface QueueModule {
  runQueueCli(argv: readonly string[], io: CliIo, scriptName?: string): Promise<number>;
}

const QUEUE_PACKAGE = '@blurgate/queue';

export const QUEUE_MISSING_MESSAGE =
  `blurgate queue needs the ${QUEUE_PACKAGE} package (BullMQ + Redis), which is not installed.\n` +
  `Install it beside @blurgate/node: npm install ${QUEUE_PACKAGE} (or pnpm add ${QUEUE_PACKAGE}).`;

/**
 * `blurgate queue <enqueue|worker|status|collect> ...`: hands every argument after `queue` to
 * @blurgate/queue, which parses them itself; exit code 2 with an install hint when it is absent.
 */
export function queueCommand(argv: readonly string[], io: CliIo, setExitCode: (code: number) => void): CommandModule {
  return {
    command: 'queue',
    describe: 'Curate at scale: enqueue, worker, status, collect on Redis (needs @blurgate/queue)',
    builder: (y) => y.strict(false).help(false).version(false),
    handler: async () => {
      const queue = await loadOptionalPackage<QueueModule>(QUEUE_PACKAGE);
      if (!queue) {
        io.stderr.write(`blurgate: ${QUEUE_MISSING_MESSAGE}\n`);
        setExitCode(2);
        return;
      }
      setExitCode(await queue.runQueueCli(argv.slice(argv.indexOf('queue') + 1), io, 'blurgate queue'));
    },
  };
}
