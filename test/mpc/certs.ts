/**
 * Test certificates, generated at test time with the openssl CLI (never
 * committed): a CA, one certificate per party (CN = party id) and a rogue CA
 * with its own "P2" certificate for the wrong-certificate test.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PartyId, TlsIdentity } from '../../src/mpc/transport/tcp.js';

function ossl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  ossl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '2']);
}

function makeLeaf(dir: string, ca: string, cn: string, file: string): void {
  ossl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${cn}`]);
  ossl(dir, ['x509', '-req', '-in', `${file}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${file}.crt`, '-days', '2']);
}

export interface TestCerts {
  dir: string;
  ids: Record<PartyId, TlsIdentity>;
  /** A "P2" identity signed by a different CA (trusting the real CA). */
  rogueP2: TlsIdentity;
  cleanup(): void;
}

export function makeTestCerts(): TestCerts {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-certs-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'rogue-ca');
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  const ids = {} as Record<PartyId, TlsIdentity>;
  for (const id of ['P0', 'P1', 'P2', 'C'] as PartyId[]) {
    makeLeaf(dir, 'ca', id, id);
    ids[id] = { key: read(`${id}.key`), cert: read(`${id}.crt`), ca: read('ca.crt') };
  }
  makeLeaf(dir, 'rogue-ca', 'P2', 'rogue-P2');
  const rogueP2 = { key: read('rogue-P2.key'), cert: read('rogue-P2.crt'), ca: read('ca.crt') };
  return { dir, ids, rogueP2, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
