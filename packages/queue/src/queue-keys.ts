/** BullMQ's default key prefix; blurgate's keys sit beside the queue's under it. */
export const KEY_PREFIX = 'bull';

/**
 * Names of blurgate's Redis keys beside BullMQ's `bull:<queue>:*` keys (a colon cannot appear in
 * a job id, so these never collide with a job; `Queue.obliterate()` removes them with the queue).
 */
export interface QueueKeys {
  /** Hash: the model the queue was created for (name, version, sha256, scales, thresholds). */
  readonly model: string;
  /** Set: the id of every input ever enqueued (re-running enqueue adds nothing twice). */
  readonly ids: string;
  /** List: job ids in enqueue order; the position is the input's sequence number, collect's order. */
  readonly order: string;
  /** Hash: how many results collect has written and removed (`ok`, `error`). */
  readonly collected: string;
  /** String with a TTL: present while an enqueue is still adding inputs (a waiting collect goes on). */
  readonly feeding: string;
}

export function queueKeys(queueName: string): QueueKeys {
  const base = `${KEY_PREFIX}:${queueName}:blurgate`;
  return {
    model: `${base}:model`,
    ids: `${base}:ids`,
    order: `${base}:order`,
    collected: `${base}:collected`,
    feeding: `${base}:feeding`,
  };
}

/** Queue names end up in Redis keys; keep them to a safe alphabet. */
export function checkQueueName(name: string): string | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    return `--queue must be 1-100 letters, digits, ".", "_" or "-" (starting with a letter or digit), got "${name}"`;
  }
  return null;
}
