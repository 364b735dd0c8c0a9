export { runQueueCli, type QueueCliIo } from './queue-cli.js';
export { enqueueInputs, type EnqueueOptions, type EnqueueSummary } from './enqueue.js';
export { startQueueWorker, queueWorkerSettings, type QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
export { readQueueStatus, formatQueueStatus, type QueueStatus } from './queue-status.js';
export { collectResults, type CollectOptions, type CollectSummary } from './collect-results.js';
export { createJobProcessor } from './classify-job.js';
export {
  fetchImage,
  TransientInputError,
  DEFAULT_MAX_URL_BYTES,
  DEFAULT_URL_TIMEOUT_MS,
  type FetchImageOptions,
} from './fetch-image.js';
export { canonicalInput, isUrl, jobIdOf } from './job-id.js';
export {
  JOB_NAME,
  jobOptions,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type ClassifyJobData,
  type RetryOptions,
} from './job-options.js';
export { queueKeys, KEY_PREFIX, type QueueKeys } from './queue-keys.js';
export { modelRecordOf, readModelRecord, describeModel, type QueueModelRecord } from './model-record.js';
export { failureReason, parseFailureReason } from './failure-reason.js';
