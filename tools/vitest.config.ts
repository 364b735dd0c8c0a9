import { packageTestConfig } from '../vitest.shared';

// Tests sit next to the code they test, in every tools/ folder; releases and training steps are slow.
export default packageTestConfig({ include: ['**/*.test.ts'], testTimeout: 120_000 });
