import { DEFAULT_MODEL_NAME, listInstalledModels, modelStoreRoots } from '../model-store.js';
import type { CliIo } from './classify-command.js';

/** `blurgate models`: the store roots and every installed model, marking the default. */
export async function runModels(json: boolean, io: CliIo): Promise<number> {
  const roots = modelStoreRoots();
  const models = await listInstalledModels({ roots });
  if (json) {
    for (const m of models) {
      io.stdout.write(
        `${JSON.stringify({ name: m.name, version: m.version, dir: m.dir, inputChannels: m.manifest?.inputChannels ?? null, usable: !m.problem, problem: m.problem })}\n`,
      );
    }
    return 0;
  }
  io.stdout.write(`model store roots (searched in this order):\n${roots.map((r) => `  ${r}`).join('\n')}\n`);
  if (models.length === 0) {
    io.stdout.write(
      `no models installed; the default is ${DEFAULT_MODEL_NAME}. Pass --model <file.onnx|folder> to classify.\n`,
    );
    return 0;
  }
  io.stdout.write('models found:\n');
  for (const m of models) {
    const mark = m.name === DEFAULT_MODEL_NAME ? ' (default)' : '';
    const status = m.problem ? `  [unusable: ${m.problem}]` : '';
    io.stdout.write(`  ${m.name}@${m.version}${mark}  ${m.dir}${status}\n`);
  }
  return 0;
}
