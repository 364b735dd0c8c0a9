import { OptionError } from '@blurgate/core';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';

/** Reconnect quickly after a Redis restart: 0.2 s, 0.4 s, ... capped at 2 s, forever. */
function reconnectDelay(times: number): number {
  return Math.min(times * 200, 2000);
}

function checkUrl(url: string): void {
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new OptionError(`--redis must be a URL like redis://127.0.0.1:6379 (or rediss:// for TLS), got "${url}"`);
  }
}

/**
 * The connection options every BullMQ queue and worker of blurgate uses: `maxRetriesPerRequest:
 * null` (commands wait for a reconnect instead of failing) and a short reconnect delay, so
 * workers pick up again within seconds of a Redis restart.
 *
 * @throws {OptionError} when the URL is not a redis:// URL.
 */
export function redisOptions(url: string): BullRedisOptions {
  checkUrl(url);
  return { url, maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
}

/**
 * Opens a plain connection for blurgate's own keys beside the queue (same reconnect policy).
 *
 * @param url - `redis://[user:password@]host:port[/db]`.
 * @returns an ioredis client; `quit()` it when done.
 * @throws {OptionError} when the URL is not a redis:// URL.
 */
export function openRedis(url: string): Redis {
  checkUrl(url);
  const redis = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: reconnectDelay });
  // Connection errors reach the caller as rejected commands (or wait for the reconnect); without a
  // listener ioredis would also print each failed reconnect.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Fails fast when Redis cannot be reached at start (a wrong --redis, no server): once running,
 * clients wait for reconnects instead.
 *
 * @throws {OptionError} naming the URL and the connection error after `timeoutMs`.
 */
export async function assertReachable(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  let lastError = '';
  const onError = (error: Error): void => {
    lastError = error.message;
  };
  redis.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
  } catch {
    const safeUrl = url.replace(/\/\/[^@/]*@/, '//***@');
    throw new OptionError(
      `cannot reach Redis at ${safeUrl} within ${timeoutMs / 1000} s${lastError ? ` (${lastError})` : ''}; is redis-server running, is --redis right?`,
    );
  } finally {
    clearTimeout(timer);
    redis.off('error', onError);
  }
}

/**
 * Opens a connection for blurgate's own keys and checks Redis answers (see {@link assertReachable}).
 *
 * @throws {OptionError} for a bad URL or a Redis that does not answer.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = openRedis(url);
  try {
    await assertReachable(redis, url);
    return redis;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}
