// Finds the built web console (@virtwire/web's dist/) beside the daemon, when it is installed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The directory holding the console's index.html and assets, or undefined when @virtwire/web is not installed or not built. */
export function defaultWebRoot(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@virtwire/web/package.json');
    const root = join(dirname(manifest), 'dist');
    return existsSync(join(root, 'index.html')) ? root : undefined;
  } catch {
    return undefined;
  }
}
