import { BlurgateError, type ClassificationRecord, classificationRecord, ImageInputError } from '@blurgate/core';
import type { BlurGate } from '@blurgate/node';
import { type Job, UnrecoverableError } from 'bullmq';
import { failureReason } from './failure-reason.js';
import { type FetchImageOptions, fetchImage } from './fetch-image.js';
import type { ClassifyJobData } from './job-options.js';
import { isUrl } from './job-id.js';

/**
 * The worker's job: reads (or downloads) the input, classifies it, and returns the CLI's `--json`
 * record, which BullMQ stores as the job's result. Failures that another try cannot fix (a corrupt
 * or missing image, a 404, an image over the limit) end the job at once as failed
 * (UnrecoverableError); anything else (a URL timeout, a 5xx, an unexpected error) is thrown as is,
 * so BullMQ retries it with exponential backoff until the job's attempts run out. Either way the
 * job's `failedReason` ends with the error code (see {@link failureReason}).
 */
export function createJobProcessor(
  gate: BlurGate,
  fetchOptions: FetchImageOptions = {},
): (job: Job<ClassifyJobData>) => Promise<ClassificationRecord> {
  return async (job) => {
    const input = job.data.input;
    try {
      const source = isUrl(input) ? await fetchImage(input, fetchOptions) : input;
      const prediction = await gate.classify(source);
      return classificationRecord({ status: 'ok', input, ...prediction });
    } catch (error) {
      if (error instanceof ImageInputError) {
        // Decoder messages name a buffer for downloaded bytes; name the URL instead.
        const message = error.message.replace(/^<\d+-byte buffer>/, input);
        throw new UnrecoverableError(failureReason(error.code, message));
      }
      if (error instanceof BlurgateError) throw new Error(failureReason(error.code, error.message), { cause: error });
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(failureReason('UNEXPECTED', `${input}: ${message}`), { cause: error });
    }
  };
}
