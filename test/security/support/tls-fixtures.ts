// Throwaway X.509 material for TLS tests, made with Debian's openssl: a CA, a server certificate, and client certificates.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM texts for one test run. */
export interface TlsFixtures {
  ca: string;
  serverCert: string;
  serverKey: string;
  /** Signed by `ca`. */
  clientCert: string;
  clientKey: string;
  /** Signed by an unrelated CA. */
  foreignClientCert: string;
  foreignClientKey: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  );
}

function makeLeaf(dir: string, ca: string, name: string, extensions: string): void {
  openssl(
    dir,
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}

/** Creates the whole set (about a second of key generation). */
export function makeTlsFixtures(): TlsFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'virtwire-tls-'));
  try {
    makeCa(dir, 'ca');
    makeCa(dir, 'foreign-ca');
    makeLeaf(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    makeLeaf(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n');
    makeLeaf(dir, 'foreign-ca', 'foreign-client', 'extendedKeyUsage=clientAuth\n');
    const read = (file: string) => readFileSync(join(dir, file), 'utf8');
    return {
      ca: read('ca.crt'),
      serverCert: read('server.crt'),
      serverKey: read('server.key'),
      clientCert: read('client.crt'),
      clientKey: read('client.key'),
      foreignClientCert: read('foreign-client.crt'),
      foreignClientKey: read('foreign-client.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
