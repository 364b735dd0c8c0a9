import type { JobsOptions } from 'bullmq';

/** Name of every blurgate job (BullMQ wants one; the queue holds one kind of job). */
export const JOB_NAME = 'classify';

/** What a job carries: the canonical input (absolute path or URL). */
export interface ClassifyJobData {
  readonly input: string;
}

export interface RetryOptions {
  /** Tries per input for transient failures (URL timeouts, 5xx); default 4. */
  readonly attempts?: number;
  /** First retry delay in ms, doubled each time; default 2000. */
  readonly backoffMs?: number;
}

export const DEFAULT_ATTEMPTS = 4;
export const DEFAULT_BACKOFF_MS = 2000;

/**
 * Options of each job. Finished jobs stay in Redis (removeOnComplete/removeOnFail false) because
 * their result lives there until `collect` has written it to disk and fsynced; collect then removes
 * them, so Redis holds only results not yet collected.
 */
export function jobOptions(jobId: string, retry: RetryOptions = {}): JobsOptions {
  return {
    jobId,
    attempts: retry.attempts ?? DEFAULT_ATTEMPTS,
    backoff: { type: 'exponential', delay: retry.backoffMs ?? DEFAULT_BACKOFF_MS },
    removeOnComplete: false,
    removeOnFail: false,
  };
}
