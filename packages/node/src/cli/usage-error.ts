/** A mistake in how the CLI was called (bad flag, no inputs, missing model): exit code 2. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}
