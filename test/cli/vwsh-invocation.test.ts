// vwsh's own options and failures before any command runs: unknown options, no command, no daemon, help without a daemon.
import { describe, expect, it } from 'vitest';
import { vwsh } from './helpers/vwsh-transcript.js';

describe('vwsh invocation', () => {
  it("refuses unknown options with virsh's message and exits 1", async () => {
    expect(await vwsh(['--bogus', 'list'])).toEqual({ stdout: '', stderr: "error: unsupported option '--bogus'. See --help.\n", code: 1 });
  });

  it("without a command connects first, as virsh's interactive shell does, and exits 1 without a daemon", async () => {
    const t = await vwsh([], { VIRTWIRE_RUNTIME_DIR: '/nonexistent/vwsh' }, 'list\n');
    expect(t).toEqual({
      stdout: '',
      stderr: "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/nonexistent/vwsh/virtwired-sock': No such file or directory\n",
      code: 1,
    });
  });

  it('reports an unusable URI and a missing local daemon as virsh reports a failed connection', async () => {
    expect(await vwsh(['-c', 'bogus', 'list'])).toEqual({
      stdout: '',
      stderr: "error: failed to connect to the hypervisor\nerror: cannot parse connection URI 'bogus'\n",
      code: 1,
    });
    expect(await vwsh(['list'], { VIRTWIRE_RUNTIME_DIR: '/nonexistent/vwsh' })).toEqual({
      stdout: '',
      stderr: "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/nonexistent/vwsh/virtwired-sock': No such file or directory\n",
      code: 1,
    });
  });

  it('prints help pages without connecting (unless -c names a URI: virsh connects to it first), and the usage with -h', async () => {
    expect(await vwsh(['-c', 'bogus', 'domstate --help'])).toEqual({
      stdout: '',
      stderr: "error: failed to connect to the hypervisor\nerror: cannot parse connection URI 'bogus'\n",
      code: 1,
    });
    const page = await vwsh(['domstate --help'], { VIRTWIRE_RUNTIME_DIR: '/nonexistent/vwsh' });
    expect(page).toEqual({
      stdout:
        '  NAME\n    domstate - domain state\n\n  SYNOPSIS\n    domstate <domain> [--reason]\n\n  DESCRIPTION\n    Print the state of a domain.\n\n' +
        '  OPTIONS\n    [--domain] <string>  domain name, id or uuid\n    --reason         also print the reason for the state\n\n\n',
      stderr: '',
      code: 0,
    });
    expect((await vwsh(['help', 'nosuch'])).stderr).toBe("error: command or command group 'nosuch' doesn't exist\n");
    const usage = await vwsh(['-h']);
    expect(usage.stdout).toContain('vwsh [options]... <command> [args...]');
    expect(usage.stdout).toContain(" Snapshot (help keyword 'snapshot')\n    snapshot-create                Create a snapshot from XML\n");
  });
});
