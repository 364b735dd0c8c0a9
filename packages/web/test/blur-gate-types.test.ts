import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const WEB_DIR = fileURLToPath(new URL('../', import.meta.url));
const TYPE_TESTS = fileURLToPath(new URL('./types/same-blur-gate.ts', import.meta.url));

describe("node's and web's BlurGate", () => {
  it("are core's one type (test/types/same-blur-gate.ts compiles with no error)", () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      `${WEB_DIR}tsconfig.json`,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      },
    );
    const program = ts.createProgram([TYPE_TESTS], config!.options);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
  });
});
