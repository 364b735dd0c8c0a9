/**
 * The service's OpenAPI 3.1 document, served at `GET /openapi.json`. Written by hand next to the
 * routes (a test validates it and checks that every route the server registers is in it).
 */

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
});

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
};

const probability = { type: 'number', minimum: 0, maximum: 1 };
const nullableProbability = { type: ['number', 'null'], minimum: 0, maximum: 1 };

/**
 * Builds the OpenAPI document.
 *
 * @param version - the `@blurgate/server` version for `info.version`.
 * @param secured - whether bearer-token auth is on (adds the security requirement).
 * @returns a JSON-serialisable OpenAPI 3.1 document.
 */
export function openApiDocument(version: string, secured: boolean): Record<string, unknown> {
  const security = secured ? [{ bearer: [] }] : [];
  const unauthorized = secured ? { 401: errorResponse('Missing or wrong bearer token') } : {};
  return {
    openapi: '3.1.0',
    info: {
      title: 'blurgate',
      version,
      summary: 'Says whether an image is sharp, blurred or uncertain',
      description:
        'A MobileNetV3 blur gate as a service: send an image, get the label, confidence and probabilities ' +
        'with the fields of `blurgate classify --json`. Every error is `{"error": {"code", "message"}}`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    security,
    paths: {
      '/v1/classify': {
        post: {
          operationId: 'classify',
          summary: 'Classify one image (raw body) or several (multipart/form-data)',
          parameters: [
            {
              name: 'fast',
              in: 'query',
              description: 'Single scale (384) instead of the default scales; not together with scales',
              schema: { type: 'string', enum: ['1', 'true', '0', 'false'] },
            },
            {
              name: 'scales',
              in: 'query',
              description: 'TTA scales, comma-separated positive integers, e.g. 256,320,384',
              schema: { type: 'string', pattern: '^\\d+(,\\d+)*$' },
            },
            {
              name: 'confidence-threshold',
              in: 'query',
              description: 'Below this confidence the label is uncertain (default: the model manifest, else 0.60)',
              schema: probability,
            },
            {
              name: 'blur-threshold',
              in: 'query',
              description: 'At or above this p_blurred the label is blurred (default: the model manifest, else 0.50)',
              schema: probability,
            },
          ],
          requestBody: {
            required: true,
            content: {
              'image/*': { schema: { type: 'string', contentMediaType: 'image/*' } },
              'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  properties: {
                    file: { type: 'array', items: { type: 'string', contentMediaType: 'application/octet-stream' } },
                  },
                },
              },
            },
          },
          responses: {
            200: {
              description: 'The record of the image (raw body), or one record per file part in order (multipart)',
              content: {
                'application/json': {
                  schema: {
                    oneOf: [
                      { $ref: '#/components/schemas/ClassificationRecord' },
                      { type: 'array', items: { $ref: '#/components/schemas/ClassificationRecord' } },
                    ],
                  },
                },
              },
            },
            400: errorResponse('Bad query parameter (INVALID_OPTION) or an empty or malformed request (BAD_REQUEST)'),
            ...unauthorized,
            413: errorResponse('The body is over the size limit (PAYLOAD_TOO_LARGE)'),
            415: errorResponse('Not an image/* or multipart/form-data body (UNSUPPORTED_MEDIA_TYPE)'),
            422: errorResponse(
              'Not a decodable image (DECODE_FAILED, INVALID_IMAGE) or over the pixel limit (IMAGE_TOO_LARGE)',
            ),
            503: {
              ...errorResponse(
                'The queue is full (OVERLOADED), the request timed out (TIMEOUT) or the server is shutting down (SHUTTING_DOWN)',
              ),
              headers: retryAfter,
            },
          },
        },
      },
      '/v1/models': {
        get: {
          operationId: 'models',
          summary: 'The loaded model, its manifest and the server defaults',
          responses: {
            200: {
              description: 'The model',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Models' } } },
            },
            ...unauthorized,
            503: errorResponse('The model is not loaded yet'),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'healthz',
          summary: 'Liveness: the process answers',
          security: [],
          responses: {
            200: {
              description: 'Alive',
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] },
                },
              },
            },
          },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readyz',
          summary: 'Readiness: the model is loaded and the server is not draining',
          security: [],
          responses: {
            200: {
              description: 'Ready',
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { status: { const: 'ready' } }, required: ['status'] },
                },
              },
            },
            503: errorResponse('Loading the model, or draining for shutdown'),
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics',
          responses: {
            200: {
              description: 'Prometheus text exposition format',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...unauthorized,
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: {
            200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
            ...unauthorized,
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A key from --api-key-file' } },
      schemas: {
        ErrorBody: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: {
                  type: 'string',
                  description: 'Stable machine-readable reason, e.g. IMAGE_TOO_LARGE, OVERLOADED',
                },
                message: { type: 'string', description: 'What went wrong and what to do' },
              },
            },
          },
        },
        ClassificationRecord: {
          type: 'object',
          description: 'The fields of `blurgate classify --json`, plus the model',
          required: ['file', 'label', 'confidence', 'prob_sharp', 'prob_blurred', 'status', 'error', 'model'],
          properties: {
            file: { type: 'string', description: 'The multipart file name, or "-" for a raw body' },
            label: { type: ['string', 'null'], enum: ['sharp', 'blurred', 'uncertain', null] },
            confidence: nullableProbability,
            prob_sharp: nullableProbability,
            prob_blurred: nullableProbability,
            status: { type: 'string', enum: ['ok', 'error'] },
            error: {
              oneOf: [
                { type: 'null' },
                {
                  type: 'object',
                  required: ['code', 'message'],
                  properties: { code: { type: 'string' }, message: { type: 'string' } },
                },
              ],
            },
            scales: {
              type: 'array',
              items: {
                type: 'object',
                required: ['scale', 'prob_sharp', 'prob_blurred'],
                properties: { scale: { type: 'integer' }, prob_sharp: probability, prob_blurred: probability },
              },
            },
            model: { $ref: '#/components/schemas/ModelIdentity' },
          },
        },
        ModelIdentity: {
          type: 'object',
          required: ['name', 'version', 'sha256'],
          properties: {
            name: { type: 'string' },
            version: { type: 'string' },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        },
        Models: {
          type: 'object',
          required: ['model', 'runtime', 'scales', 'thresholds'],
          properties: {
            model: {
              type: 'object',
              required: ['name', 'version', 'sha256', 'inputChannels', 'manifest'],
              properties: {
                name: { type: 'string' },
                version: { type: 'string' },
                sha256: { type: 'string' },
                inputChannels: { type: 'integer', enum: [3, 4] },
                manifest: { type: ['object', 'null'], description: "The model folder's manifest.json, validated" },
              },
            },
            runtime: { type: 'string' },
            scales: { type: 'array', items: { type: 'integer' } },
            thresholds: {
              type: 'object',
              properties: { confidenceThreshold: probability, blurThreshold: probability },
            },
            execution: { type: 'object' },
          },
        },
      },
    },
  };
}
