import type { BlurGate } from '@blurgate/node';
import { ModelError } from '@blurgate/core';
import type { Redis } from 'ioredis';

/** What a queue is for: every result in it comes from this model with these scales and thresholds. */
export interface QueueModelRecord {
  readonly name: string;
  readonly version: string;
  /** sha256 (hex) of the ONNX bytes. */
  readonly sha256: string;
  readonly scales: readonly number[];
  readonly confidenceThreshold: number;
  readonly blurThreshold: number;
  /** ISO time the queue was created. */
  readonly createdAt: string;
}

/** The record of a loaded gate (its model and the scales and thresholds it runs with). */
export function modelRecordOf(gate: BlurGate, now: Date = new Date()): QueueModelRecord {
  return {
    name: gate.model.name,
    version: gate.model.version,
    sha256: gate.model.sha256,
    scales: [...gate.scales],
    confidenceThreshold: gate.thresholds.confidenceThreshold,
    blurThreshold: gate.thresholds.blurThreshold,
    createdAt: now.toISOString(),
  };
}

function toFields(record: QueueModelRecord): string[] {
  return [
    'name',
    record.name,
    'version',
    record.version,
    'sha256',
    record.sha256,
    'scales',
    record.scales.join(','),
    'confidenceThreshold',
    String(record.confidenceThreshold),
    'blurThreshold',
    String(record.blurThreshold),
    'createdAt',
    record.createdAt,
  ];
}

function fromHash(hash: Record<string, string>): QueueModelRecord | null {
  if (!hash.sha256) return null;
  return {
    name: hash.name ?? '',
    version: hash.version ?? '',
    sha256: hash.sha256,
    scales: (hash.scales ?? '').split(',').filter(Boolean).map(Number),
    confidenceThreshold: Number(hash.confidenceThreshold),
    blurThreshold: Number(hash.blurThreshold),
    createdAt: hash.createdAt ?? '',
  };
}

/** Reads the queue's model record, or null when nothing has created the queue yet. */
export async function readModelRecord(redis: Redis, key: string): Promise<QueueModelRecord | null> {
  return fromHash(await redis.hgetall(key));
}

// Create-if-absent and read back in one step, so two first comers cannot both win.
const ENSURE_RECORD = `
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])`;

/**
 * Records `record` as the queue's model unless the queue already has one; returns the record that
 * holds (the existing one, or `record`).
 */
export async function ensureModelRecord(
  redis: Redis,
  key: string,
  record: QueueModelRecord,
): Promise<QueueModelRecord> {
  const flat = (await redis.eval(ENSURE_RECORD, 1, key, ...toFields(record))) as string[];
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]] = flat[i + 1];
  const held = fromHash(hash);
  if (!held) throw new ModelError('RUNTIME_FAILED', `the model record ${key} could not be written`);
  return held;
}

/** `blurgate-synth@1.0.0 (sha256 129ae1fbd206…)`. */
export function describeModel(record: Pick<QueueModelRecord, 'name' | 'version' | 'sha256'>): string {
  return `${record.name}@${record.version} (sha256 ${record.sha256.slice(0, 12)}…)`;
}

/**
 * Throws when `mine` is another model than the queue's.
 *
 * @throws {ModelError} UNSUPPORTED_MODEL, with what to pass instead.
 */
export function assertSameModel(
  queueName: string,
  queue: QueueModelRecord,
  mine: Pick<QueueModelRecord, 'name' | 'version' | 'sha256'>,
): void {
  if (queue.sha256 === mine.sha256) return;
  throw new ModelError(
    'UNSUPPORTED_MODEL',
    `queue "${queueName}" was created for model ${describeModel(queue)}, not ${describeModel(mine)}; ` +
      `use --model ${queue.name}@${queue.version} (the same ONNX file) or another --queue`,
  );
}

/** Differences in scales or thresholds between the queue's record and what a command asked for. */
export function settingsDifference(queue: QueueModelRecord, mine: QueueModelRecord): string | null {
  const diffs: string[] = [];
  if (queue.scales.join(',') !== mine.scales.join(','))
    diffs.push(`scales ${queue.scales.join(',')} (asked ${mine.scales.join(',')})`);
  if (queue.confidenceThreshold !== mine.confidenceThreshold) {
    diffs.push(`confidence threshold ${queue.confidenceThreshold} (asked ${mine.confidenceThreshold})`);
  }
  if (queue.blurThreshold !== mine.blurThreshold)
    diffs.push(`blur threshold ${queue.blurThreshold} (asked ${mine.blurThreshold})`);
  return diffs.length > 0 ? diffs.join(', ') : null;
}
