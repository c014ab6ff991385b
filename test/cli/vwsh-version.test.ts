// vwsh's version options, as virsh's: -v and --version short, -V and --version=long long, with the usage naming them.
import { formatVersion, LIB_VERSION } from '@virtwire/client';
import { describe, expect, it } from 'vitest';
import { vwsh } from './helpers/vwsh-transcript.js';

const short = `${formatVersion(LIB_VERSION)}\n`;

describe('vwsh version options', () => {
  it('prints the short version for -v, --version and --version=short (and, like virsh, for any other TYPE)', async () => {
    for (const argv of [['-v'], ['--version'], ['--version=short'], ['--version=bogus']]) {
      expect(await vwsh(argv), argv.join(' ')).toEqual({ stdout: short, stderr: '', code: 0 });
    }
  });

  it('prints the long version for -V and --version=long, without connecting', async () => {
    for (const argv of [['-V'], ['--version=long'], ['-c', 'test+ws://127.0.0.1:1/default', '-V']]) {
      const run = await vwsh(argv);
      expect(run.code, argv.join(' ')).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(`^vwsh command line tool of virtwire ${formatVersion(LIB_VERSION).replace(/\./g, '\\.')}\nSee web site at https://`),
      );
      expect(run.stdout).toContain('virtwire.v1');
    }
  });

  it("lists them in the usage as virsh's does", async () => {
    const { stdout } = await vwsh(['--help']);
    expect(stdout).toContain(
      '    -v                      short version\n    -V                      long version\n         --version[=TYPE]   version, TYPE is short or long (default short)\n',
    );
  });
});
