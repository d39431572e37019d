/**
 * Output helpers shared by CLI commands: JSON alone on stdout (bigints as
 * decimal strings), human text otherwise, errors as one clear line.
 */
import { LutmpcError } from '../errors.js';
import { BORROWS, type Borrow } from '../mpc/lut/requant.js';
import { MAX_CHAIN_CHUNK } from '../mpc/lut/borrow-chain.js';
import { SHIFT_CAPS } from '../model/intops.js';
import { checkBorrowOut, type BorrowOutPlan } from '../secure/forward.js';

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

export function printJson(value: unknown): void {
  process.stdout.write(toJson(value) + '\n');
}

/** Run a command body; a failure prints `lutmpc: <ErrorClass>: message` and sets exit code 1. */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const kind = err instanceof LutmpcError || err instanceof TypeError || err instanceof RangeError ? err.name : 'Error';
    process.stderr.write(`lutmpc: ${kind}: ${err.message}\n`);
    if (process.env['LUTMPC_DEBUG'] && err.stack) process.stderr.write(err.stack + '\n');
    if (!process.exitCode) process.exitCode = 1; // a command may have set a more specific code (130: interrupted)
  }
}

/** --borrow: the requants' borrow protocol (SecureOptions.borrow). */
export function borrowKind(v: string | undefined): Borrow | undefined {
  if (v === undefined) return undefined;
  if (!(BORROWS as readonly string[]).includes(v)) throw new RangeError(`--borrow must be ${BORROWS.join(' or ')} (got '${v}')`);
  return v as Borrow;
}

/**
 * --borrow-out: what the requants' last borrow round opens
 * (SecureOptions.borrowOut): bit, index, or per role ROLE=bit|index,...
 * (roles left out open the bit).
 */
export function borrowOutKind(v: string | undefined): BorrowOutPlan | undefined {
  if (v === undefined) return undefined;
  const bad = (): RangeError => new RangeError(`--borrow-out must be bit, index or ROLE=bit|index,... with ROLE one of ${Object.keys(SHIFT_CAPS).join(', ')} (got '${v}')`);
  const pair = (p: string): string[] => {
    const kv = p.split('=');
    if (kv.length !== 2) throw bad();
    return kv;
  };
  const plan = (v.includes('=') ? Object.fromEntries(v.split(',').map(pair)) : v) as BorrowOutPlan;
  try {
    return checkBorrowOut(plan); // roles and kinds as the forward checks them
  } catch {
    throw bad();
  }
}

/** Parse an optional positive-integer CLI option, naming it in the error. */
export function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer (got '${v}')`);
  return n;
}

/** Parse an integer option of at least `min`, naming it in the error. */
export function intAtLeast(name: string, v: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`--${name} must be an integer ≥ ${min} (got '${v}')`);
  return n;
}

/** Parse a positive finite number option (a time, a clock), naming it in the error. */
export function positiveNumber(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new RangeError(`--${name} must be a positive number (got '${v}')`);
  return n;
}

/** --budget: accuracy points the `--bits auto` search may lose, 0…100. */
export function budgetOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new RangeError(`--budget must be accuracy points in 0…100 (got '${v}')`);
  return n;
}

/** --chunk: a borrow chunk 1…MAX_CHAIN_CHUNK, checked before any party starts (the parties would refuse it only once running). */
export function chunkOption(v: string | undefined): number | undefined {
  const n = positiveInt('chunk', v);
  if (n !== undefined && n > MAX_CHAIN_CHUNK) throw new RangeError(`--chunk must be an integer in 1…${MAX_CHAIN_CHUNK} (got '${String(v)}')`);
  return n;
}
