import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function isMissing(error: unknown, name: string): boolean {
  const e = error as NodeJS.ErrnoException;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes(name);
}

/**
 * Loads an optional package that @blurgate/node does not depend on (`@blurgate/server`,
 * `@blurgate/queue`): from beside this package, else from the current project (a pnpm project keeps
 * packages apart). Null when it is not installed; any other failure is thrown.
 */
export async function loadOptionalPackage<T>(name: string): Promise<T | null> {
  // A variable specifier: the bundler must not inline the optional package.
  const specifier: string = name;
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if (!isMissing(error, name)) throw error;
  }
  try {
    const resolved = createRequire(join(process.cwd(), 'package.json')).resolve(specifier);
    return (await import(pathToFileURL(resolved).href)) as T;
  } catch (error) {
    if (isMissing(error, name)) return null;
    throw error;
  }
}
