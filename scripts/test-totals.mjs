// Sums vitest's JSON reports (one per package) into the plain line CI reads: "N passed, N failed".
// Exits non-zero when no test ran at all, so an empty run cannot pass for a green one.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const folders = [...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p)), join(root, 'tools')];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const folder of folders) {
  const file = join(folder, '.vitest-report.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load has no failed tests but must still count as a failure.
  const brokenSuites = (report.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
  failed += brokenSuites;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(passed > 0 && failed === 0 ? 0 : 1);
