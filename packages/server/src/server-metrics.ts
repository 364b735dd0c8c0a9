import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StageTimings } from './image-classifier.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The service's Prometheus metrics, in a registry of its own (several servers can live in one process). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'method' | 'status'>;
  readonly requestSeconds: Histogram<'route' | 'method'>;
  readonly stageSeconds: Histogram<'stage'>;
  readonly images: Counter<'label'>;
  readonly imageFailures: Counter<'code'>;
  readonly rejected: Counter<'reason'>;

  /**
   * @param queue - reads the queue's depth and the images in progress when metrics are scraped.
   * @param defaultMetrics - also export prom-client's process metrics (RSS, event-loop lag, GC).
   */
  constructor(queue: { readonly waiting: number; readonly running: number }, defaultMetrics = true) {
    const registers = [this.registry];
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'blurgate_' });
    this.requests = new Counter({
      name: 'blurgate_http_requests_total',
      help: 'HTTP requests answered, by route, method and status',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'blurgate_http_request_duration_seconds',
      help: 'Time from request received to response sent, by route (total latency)',
      labelNames: ['route', 'method'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.stageSeconds = new Histogram({
      name: 'blurgate_stage_duration_seconds',
      help: 'Time per image and stage: queue (waiting for a worker), decode, preprocessing, inference, classify (decode to result)',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.images = new Counter({
      name: 'blurgate_images_classified_total',
      help: 'Images classified, by label',
      labelNames: ['label'],
      registers,
    });
    this.imageFailures = new Counter({
      name: 'blurgate_image_failures_total',
      help: 'Images that could not be classified, by error code',
      labelNames: ['code'],
      registers,
    });
    this.rejected = new Counter({
      name: 'blurgate_requests_rejected_total',
      help: 'Classify requests refused before classification: queue full, timeout, shutting down',
      labelNames: ['reason'],
      registers,
    });
    new Gauge({
      name: 'blurgate_queue_depth',
      help: 'Images waiting for a free worker',
      registers,
      collect() {
        this.set(queue.waiting);
      },
    });
    new Gauge({
      name: 'blurgate_in_flight_images',
      help: 'Images being classified now',
      registers,
      collect() {
        this.set(queue.running);
      },
    });
  }

  /** Records one image's stage timings (milliseconds in, seconds out). */
  observeStages(timings: StageTimings, queueMs: number): void {
    const observe = (stage: string, ms: number | undefined): void => {
      if (ms !== undefined) this.stageSeconds.observe({ stage }, ms / 1000);
    };
    observe('queue', queueMs);
    observe('decode', timings.decodeMs);
    observe('preprocessing', timings.preprocessingMs);
    observe('inference', timings.inferenceMs);
    observe('classify', timings.classifyMs);
  }
}
