// The hosts a throw-away libvirtd serves the conformance work: the node files copied beside it, and a waiter for a pristine test:///default.
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Where node files come from: the shared fixtures and the conformance suite's own. */
const NODE_SOURCES = [join(here, '..', '..', 'fixtures', 'nodes'), join(here, '..', 'nodes')];
const PYTHON = '/usr/bin/python3';
const HELPER = join(here, 'libvirt-calls.py');

/** Copies every node file into `<dir>/nodes` (readable by the daemon's user); returns that directory and the files' texts. */
export function copyNodeFiles(dir) {
  const nodesDir = join(dir, 'nodes');
  mkdirSync(nodesDir);
  const nodeTexts = [];
  for (const source of NODE_SOURCES) {
    for (const file of readdirSync(source).filter((f) => f.endsWith('.xml'))) {
      cpSync(join(source, file), join(nodesDir, file));
      nodeTexts.push(readFileSync(join(source, file), 'utf8'));
    }
  }
  chmodSync(nodesDir, 0o755);
  return { nodesDir, nodeTexts };
}

/**
 * A python process that answers once test:///default is pristine again: libvirtd frees the shared
 * default host only after it has processed the previous client's close, which can come after the
 * next one connected. `fresh` fails when the helper gave up (the host stayed changed for 10 s).
 */
export function startWaiter(env) {
  const child = spawn(PYTHON, [HELPER, 'waiter'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  let buffered = '';
  let exited = false;
  let wake = () => undefined;
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    wake();
  });
  child.on('exit', () => {
    exited = true;
    wake();
  });
  return {
    async fresh(uri) {
      child.stdin.write(`${uri}\n`);
      while (!buffered.includes('\n')) {
        if (exited) throw new Error(`test:///default did not return to its pristine state (${uri})`);
        await new Promise((resolve) => (wake = resolve));
      }
      buffered = buffered.slice(buffered.indexOf('\n') + 1);
    },
    stop: () => child.stdin.end(),
  };
}
