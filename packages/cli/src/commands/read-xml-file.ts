// Reads an XML file named on the command line, with virsh's messages (virFileReadAll) and its 10 MiB bound.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CommandError } from '../shell/shell-errors.js';

/** virsh's VSH_MAX_XML_FILE. */
export const MAX_XML_FILE_BYTES = 10 * 1024 * 1024;

/** strerror() texts for the errors reading a file can raise. */
const STRERROR: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EMFILE: 'Too many open files',
  EIO: 'Input/output error',
  EOVERFLOW: 'Value too large for defined data type',
};

const describe = (error: unknown) => {
  const code = (error as { code?: string }).code ?? '';
  return STRERROR[code] ?? (error instanceof Error ? error.message : String(error));
};

/**
 * The file's text. Failing to open it gives `Failed to open file 'F': REASON`, failing to read it
 * (a directory, more than 10 MiB) `Failed to read file 'F': REASON`, as virsh prints them.
 */
export function readXmlFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new CommandError(`Failed to open file '${path}': ${describe(error)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (stat.size > MAX_XML_FILE_BYTES) throw Object.assign(new Error('too large'), { code: 'EOVERFLOW' });
    const chunks: Buffer[] = [];
    let total = 0;
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_XML_FILE_BYTES) throw Object.assign(new Error('too large'), { code: 'EOVERFLOW' });
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    throw new CommandError(`Failed to read file '${path}': ${describe(error)}`);
  } finally {
    closeSync(fd);
  }
}
