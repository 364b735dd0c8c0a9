import { packageTestConfig } from '../../vitest.shared';

// The tests start real servers (and child processes) against the built package, one file at a time.
export default packageTestConfig({ testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false });
