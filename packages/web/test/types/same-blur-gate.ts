/**
 * Type assertions, checked by tsc (`pnpm typecheck`, and `blur-gate-types.test.ts`): node's and
 * web's `BlurGate` are core's one type, and each `createBlurGate` returns it over its platform's inputs.
 */
import type * as core from '@blurgate/core';
import type * as node from '@blurgate/node';
import type * as web from '@blurgate/web';
import type * as webWorker from '@blurgate/web/worker';
import { expectTypeOf } from 'vitest';

// One type, re-exported: identical for every input type.
expectTypeOf<node.BlurGate>().toEqualTypeOf<web.BlurGate>();
expectTypeOf<node.BlurGate>().toEqualTypeOf<core.BlurGate>();
expectTypeOf<node.BlurGate<string>>().toEqualTypeOf<web.BlurGate<string>>();
expectTypeOf<node.BlurGateModelInfo>().toEqualTypeOf<web.BlurGateModelInfo>();
expectTypeOf<node.ClassifyOptions>().toEqualTypeOf<web.ClassifyOptions>();
expectTypeOf<node.ClassifyManyOptions>().toEqualTypeOf<web.ClassifyManyOptions>();
expectTypeOf<node.ClassifyResult<string>>().toEqualTypeOf<web.ClassifyResult<string>>();
expectTypeOf<node.BlurPrediction>().toEqualTypeOf<web.BlurPrediction>();
expectTypeOf<node.ClassifyFailure>().toEqualTypeOf<web.ClassifyFailure>();
expectTypeOf<typeof node.BlurgateError>().toEqualTypeOf<typeof web.BlurgateError>();
expectTypeOf<typeof node.ModelError>().toEqualTypeOf<typeof core.ModelError>();

// Each platform's gate is core's over what its decoder reads.
expectTypeOf<Awaited<ReturnType<typeof node.createBlurGate>>>().toEqualTypeOf<core.BlurGate<node.ImageSource>>();
expectTypeOf<Awaited<ReturnType<typeof web.createBlurGate>>>().toEqualTypeOf<core.BlurGate<web.WebImageInput>>();
// The worker gate is the same gate plus its Worker.
expectTypeOf<webWorker.BlurGateWorker>().toExtend<core.BlurGate<web.WebImageInput>>();

// The gate options both platforms take are core's.
expectTypeOf<node.BlurGateOptions>().toExtend<core.GateOptions>();
expectTypeOf<web.BlurGateOptions>().toExtend<core.GateOptions>();

// A failure's code is the closed union.
expectTypeOf<core.ClassifyFailure['code']>().toEqualTypeOf<core.BlurgateErrorCode>();

// The assertions bite: a gate over other inputs is a different type.
// @ts-expect-error BlurGate<string> is not BlurGate<number>
expectTypeOf<node.BlurGate<string>>().toEqualTypeOf<web.BlurGate<number>>();
