/**
 * Ctrl-C and SIGTERM during a CLI run: the first signal asks the run to stop after the file in hand
 * (its sort finished and its line printed; the command then exits 130); a second one calls `force`,
 * which may exit at once when that is safe.
 */
export class Interruption {
  #count = 0;
  #resolve: () => void = () => undefined;
  /** Resolves at the first signal. */
  readonly requested: Promise<void> = new Promise((resolve) => {
    this.#resolve = resolve;
  });
  readonly #handler = (): void => {
    this.#count += 1;
    if (this.#count === 1) this.#resolve();
    else this.force();
  };

  constructor(private readonly force: () => void) {
    process.on('SIGINT', this.#handler);
    process.on('SIGTERM', this.#handler);
  }

  get isRequested(): boolean {
    return this.#count > 0;
  }

  dispose(): void {
    process.off('SIGINT', this.#handler);
    process.off('SIGTERM', this.#handler);
  }
}
