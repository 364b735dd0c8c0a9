import { packageTestConfig } from '../../vitest.shared';

// Files run one at a time: each launches Chromium, and the machine has 2 cores.
export default packageTestConfig({ hookTimeout: 60_000, fileParallelism: false });
