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
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer | string };
    if (err.code === 'ENOENT') throw new LutmpcError(`openssl ${args[0]} failed: the openssl CLI is not installed (or not on PATH)`, { cause: e });
    const said = String(err.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^-+$/.test(l)).slice(-3).join('; ');
    throw new LutmpcError(`openssl ${args[0]} failed: ${said || err.message}`, { cause: e });
  }
}

/** The longest validity `generateCerts` accepts (100 years; openssl refuses dates far beyond). */
export const MAX_CERT_DAYS = 36_500;

export interface CertFiles {
  dir: string;
  ca: string;
  leaf: Record<string, { cert: string; key: string }>;
}

/**
 * Write ca.crt/ca.key and NAME.crt/NAME.key for each name (CN = name, SAN
 * localhost + 127.0.0.1) into dir, valid for `days` (default 7, at most
 * MAX_CERT_DAYS): a local CA for loopback runs and tests, not a deployment's
 * PKI. The files are made in a scratch folder inside dir and moved in only
 * once all of them exist: a failure leaves dir as it was (and removes it
 * when this call created it).
 */
export function generateCerts(dir: string, names: readonly string[] = ['P0', 'P1', 'P2'], days = 7): CertFiles {
  if (!Number.isInteger(days) || days < 1 || days > MAX_CERT_DAYS) throw new RangeError(`certificate validity must be a whole number of days in 1…${MAX_CERT_DAYS} (got ${days})`);
  for (const n of names) if (!/^[A-Za-z0-9_-]+$/.test(n)) throw new RangeError(`certificate name '${n}' must be letters, digits, '_' or '-' (it names the files and the CN)`);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new LutmpcError(`cannot write certificates into ${dir}: it is a file, not a folder`);
  let created: string | undefined;
  try {
    created = fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new LutmpcError(`cannot create the certificate folder ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const files = ['ca', ...names].flatMap((n) => [`${n}.crt`, `${n}.key`]);
  const moved: string[] = [];
  let work: string | undefined;
  try {
    work = fs.mkdtempSync(path.join(dir, '.lutmpc-certs-'));
    const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ossl(work, ['req', '-x509', ...curve, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=lutmpc-local-ca', '-days', String(days)]);
    fs.writeFileSync(path.join(work, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    for (const n of names) {
      ossl(work, ['req', ...curve, '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=${n}`]);
      ossl(work, ['x509', '-req', '-in', `${n}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${n}.crt`, '-days', String(days), '-extfile', 'san.ext']);
    }
    for (const f of files) {
      if (f.endsWith('.key')) fs.chmodSync(path.join(work, f), 0o600);
      fs.renameSync(path.join(work, f), path.join(dir, f));
      moved.push(f);
    }
  } catch (e) {
    if (created) fs.rmSync(created, { recursive: true, force: true });
    else for (const f of moved) fs.rmSync(path.join(dir, f), { force: true });
    throw e;
  } finally {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }
  const leaf: CertFiles['leaf'] = {};
  for (const n of names) leaf[n] = { cert: path.join(dir, `${n}.crt`), key: path.join(dir, `${n}.key`) };
  return { dir, ca: path.join(dir, 'ca.crt'), leaf };
}
