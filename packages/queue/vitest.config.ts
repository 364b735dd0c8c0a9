import { packageTestConfig } from '../../vitest.shared';

// Each test starts Redis and CLI processes; bounded by its own waits.
export default packageTestConfig({ testTimeout: 120_000 });
