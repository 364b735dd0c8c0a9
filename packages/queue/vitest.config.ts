import { packageTestConfig } from '../../vitest.shared.ts';

// Each test starts Redis and CLI processes; bounded by its own waits.
export default packageTestConfig({ testTimeout: 120_000 });
