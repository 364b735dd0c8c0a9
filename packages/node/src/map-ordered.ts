/**
 * Applies `fn` to each item with up to `concurrency` calls in flight and yields the results in input
 * order. The next calls start before a result is handed out, so work overlaps the consumer.
 * `fn` must not reject (turn failures into values); on abort the generator throws `onAbort()`.
 */
export async function* mapOrdered<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
  onAbort: () => Error = () => new Error('aborted'),
): AsyncGenerator<R> {
  const iterator =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  const window: Promise<R>[] = [];
  let index = 0;
  let exhausted = false;
  const fill = async (): Promise<void> => {
    while (!exhausted && window.length < concurrency && !signal?.aborted) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      window.push(fn(next.value, index++));
    }
  };
  await fill();
  while (window.length > 0) {
    if (signal?.aborted) throw onAbort();
    const head = window.shift()!;
    await fill();
    const result = await head;
    if (signal?.aborted) throw onAbort();
    yield result;
  }
  if (signal?.aborted) throw onAbort();
}
