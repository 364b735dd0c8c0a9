import { BlurgateError } from '@blurgate/core';

/** The dataset path is missing or is not organised in a layout blurgate-eval reads. */
export class DatasetError extends BlurgateError {
  constructor(code: 'INPUT_NOT_FOUND' | 'INVALID_OPTION', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DatasetError';
  }
}
