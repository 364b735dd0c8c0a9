/**
 * Applies `fn` to each item with up to `concurrency` calls in flight and yields the results in input
 * order. The next calls start before a result is handed out, so work overlaps the consumer.
 * `fn` must not reject (turn failures into values). Before each result is handed out, `stopped()`
 * is asked; a returned error ends the iteration with that error (an abort).
 * Hand-written instead of p-map's `pMapIterable`: that one has no way to stop on a signal between
 * results, and core stays free of dependencies.
 */
export async function* mapOrdered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  stopped: () => Error | null = () => null,
): AsyncGenerator<R> {
  const iterator =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  const window: Promise<R>[] = [];
  let index = 0;
  let exhausted = false;
  const fill = async (): Promise<void> => {
    while (!exhausted && window.length < concurrency && stopped() === null) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      window.push(fn(next.value, index++));
    }
  };
  const check = (): void => {
    const error = stopped();
    if (error) throw error;
  };
  await fill();
  while (window.length > 0) {
    check();
    const head = window.shift() as Promise<R>;
    await fill();
    const result = await head;
    check();
    yield result;
  }
  check();
}
