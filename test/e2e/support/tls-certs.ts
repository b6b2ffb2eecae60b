import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway CA and a server certificate it signed, for `localhost` and 127.0.0.1. */
export interface TestCertificates {
  /** The CA certificate (PEM): what a client trusts to verify the server. */
  ca: string;
  /** The server certificate (PEM), as nginx's `fullchain.pem` (a leaf signed by the root needs no intermediates). */
  fullchain: string;
  /** The server's private key (PEM), as nginx's `privkey.pem`. */
  privkey: string;
}

/** An EC P-256 key and certificate request; `-x509` makes it self-signed (the CA). */
function newKey(keyFile: string): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
}

/**
 * Generated with the openssl CLI for each run, so no key ever sits in the repository. Clients verify
 * the chain for real (no rejectUnauthorized: false), so a wrong certificate setup in nginx fails.
 */
export async function generateTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rampart-certs-'));
  const file = (name: string): string => path.join(dir, name);
  try {
    await run('openssl', [
      'req',
      '-x509',
      ...newKey(file('ca.key')),
      '-out',
      file('ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=Rampart e2e test CA',
    ]);
    await run('openssl', [
      'req',
      ...newKey(file('privkey.pem')),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=localhost',
    ]);
    await writeFile(
      file('server.ext'),
      [
        'subjectAltName = DNS:localhost, IP:127.0.0.1',
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature',
        'extendedKeyUsage = serverAuth',
      ].join('\n'),
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.pem'),
    ]);
    const [ca, fullchain, privkey] = await Promise.all(
      ['ca.pem', 'server.pem', 'privkey.pem'].map((name) => readFile(file(name), 'utf8')),
    );
    return { ca: ca ?? '', fullchain: fullchain ?? '', privkey: privkey ?? '' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
