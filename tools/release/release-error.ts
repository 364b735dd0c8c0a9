/** A release step refused to go on; the message says what to fix. The CLI prints it and exits 1. */
export class ReleaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseError';
  }
}
