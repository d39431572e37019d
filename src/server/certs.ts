/**
 * Certificates for `serve --local` and the tests, made at run time with the
 * openssl CLI (never committed): one CA and one P-256 leaf per party whose
 * Common Name is the party id (the party links check CN = id; clients check
 * that P1 and P2 present the certificates named P1 and P2).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LutmpcError } from '../errors.js';

function ossl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new LutmpcError(`openssl ${args[0]} failed (is the openssl CLI installed?): ${(e as Error).message}`, { cause: e });
  }
}

export interface CertFiles {
  dir: string;
  ca: string;
  leaf: Record<string, { cert: string; key: string }>;
}

/**
 * Write ca.crt/ca.key and NAME.crt/NAME.key for each name (CN = name, SAN
 * localhost + 127.0.0.1) into dir, valid for `days` (default 7): a local CA
 * for loopback runs and tests, not a deployment's PKI.
 */
export function generateCerts(dir: string, names: readonly string[] = ['P0', 'P1', 'P2'], days = 7): CertFiles {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`certificate validity must be a whole number of days ≥ 1 (got ${days})`);
  for (const n of names) if (!/^[A-Za-z0-9_-]+$/.test(n)) throw new RangeError(`certificate name '${n}' must be letters, digits, '_' or '-' (it names the files and the CN)`);
  fs.mkdirSync(dir, { recursive: true });
  const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl(dir, ['req', '-x509', ...curve, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=lutmpc-local-ca', '-days', String(days)]);
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const leaf: CertFiles['leaf'] = {};
  for (const n of names) {
    ossl(dir, ['req', ...curve, '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=${n}`]);
    ossl(dir, ['x509', '-req', '-in', `${n}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${n}.crt`, '-days', String(days), '-extfile', 'san.ext']);
    fs.chmodSync(path.join(dir, `${n}.key`), 0o600);
    leaf[n] = { cert: path.join(dir, `${n}.crt`), key: path.join(dir, `${n}.key`) };
  }
  return { dir, ca: path.join(dir, 'ca.crt'), leaf };
}
