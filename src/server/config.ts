/**
 * Deployment configuration of `lutmpc serve`, validated with zod so a bad
 * file fails at start with every problem listed by its JSON path.
 *
 * One file describes the whole deployment (addresses of the three roles, the
 * CA, client tokens, limits, pool); each role reads the shared parts and its
 * own section, and needs only its own key. Relative paths are resolved
 * against the file's folder.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { FormatError } from '../errors.js';
import { BORROW_OUTS } from '../mpc/lut/borrow-chain.js';
import { BORROWS } from '../mpc/lut/requant.js';
import type { ShiftRole } from '../model/intops.js';

export const ROLES = ['dealer', 'p1', 'p2'] as const;
export type Role = (typeof ROLES)[number];
export type ServerId = 'P0' | 'P1' | 'P2';
export const ROLE_ID: Record<Role, ServerId> = { dealer: 'P0', p1: 'P1', p2: 'P2' };

const Addr = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict();

const RoleSection = z
  .object({
    /** Party-link listener (mutual TLS between servers). */
    peer: Addr,
    /** HTTPS API for clients and operators. */
    http: Addr,
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  })
  .strict();

/** secure.borrowOut per requant role, e.g. { "lnCentre": "index" } (SecureOptions.borrowOut; roles left out open the bit). */
const roleKind = z.enum(BORROW_OUTS).optional();
const BorrowOutRoles = z
  .object({ linear: roleKind, score: roleKind, lnCentre: roleKind, lnOut: roleKind, ctx: roleKind, lnInv: roleKind, zinv: roleKind } satisfies Record<ShiftRole, unknown>)
  .strict();

export const ConfigSchema = z
  .object({
    /** PEM of the CA that signs every party certificate (CN = P0, P1, P2). */
    ca: z.string().min(1),
    parties: z.object({ dealer: RoleSection, p1: RoleSection, p2: RoleSection }).strict(),
    /** The model (read by the dealer only). */
    model: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1..64)'),
        dir: z.string().min(1),
        program: z.string().min(1).optional(),
        calib: z.string().min(1).optional(),
        calibLimit: z.number().int().positive().default(256),
        bits: z.string().optional(),
      })
      .strict(),
    /** Bearer tokens accepted on the session API of P1 and P2. */
    clients: z.array(z.object({ name: z.string().min(1), token: z.string().min(16, 'tokens need at least 16 characters') }).strict()).min(1),
    limits: z
      .object({
        /** Longest token sequence accepted (also capped by the model's maxPositions). */
        maxTokens: z.number().int().min(2).default(128),
        /** Sessions running at once on a compute party; more get 503. */
        maxSessions: z.number().int().positive().default(16),
        /** Longest wait for one protocol message of a session, ms. */
        messageTimeoutMs: z.number().int().positive().default(30_000),
        /** Longest wait for pooled material (or a fresh dealing) when a session starts, ms. */
        materialWaitMs: z.number().int().positive().default(120_000),
      })
      .strict()
      .default({ maxTokens: 128, maxSessions: 16, messageTimeoutMs: 30_000, materialWaitMs: 120_000 }),
    pool: z
      .object({
        /** Ready sessions kept per sequence length. */
        perLength: z.number().int().min(0).default(2),
        /** Lengths dealt at start-up, before any request. */
        lengths: z.array(z.number().int().min(1)).default([]),
        /** At most this many recently requested lengths are kept stocked. */
        maxLengths: z.number().int().min(0).default(8),
        /** Cap on dealt but unused sessions (memory: ~8 MB per token per compute party for bert-tiny). */
        maxItems: z.number().int().min(1).default(16),
        /** Dealings run at once. */
        concurrency: z.number().int().min(1).default(1),
        /** Keep refilling consumed items (false: stock `lengths` once at start-up, then deal only for waiting sessions). */
        refill: z.boolean().default(true),
        /**
         * Public lengths every session is padded to: a session of n tokens
         * runs on the smallest one ≥ n (longer ones are refused), so the
         * dealer, which deals per length, learns only which of these a text
         * needed, never its token count (one length: nothing at all). Empty:
         * no padding, and P0 learns each session's token count.
         */
        padTo: z.array(z.number().int().min(2)).default([]),
      })
      .strict()
      .default({ perLength: 2, lengths: [], maxLengths: 8, maxItems: 16, concurrency: 1, refill: true, padTo: [] }),
    secure: z.object({ chunk: z.number().int().min(1).max(16).optional(), borrow: z.enum(BORROWS).optional(), borrowOut: z.union([z.enum(BORROW_OUTS), BorrowOutRoles]).optional() }).strict().default({}),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).strict().default({ level: 'info' }),
  })
  .strict();

export type ServeConfig = z.infer<typeof ConfigSchema>;

/** Readable list of zod issues, one per line with its JSON path. */
export function formatIssues(e: z.ZodError): string {
  return e.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
}

/** Validate a parsed object; `source` names it in errors. Paths are resolved against `baseDir`. */
export function parseConfig(raw: unknown, source: string, baseDir: string, role?: Role): ServeConfig {
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) throw new FormatError(`invalid configuration ${source}:\n${formatIssues(r.error)}`);
  const c = r.data;
  // Lengths the service refuses (limits.maxTokens) would be dealt and never used.
  const badLen = c.pool.lengths.filter((n) => n < 2 || n > c.limits.maxTokens);
  if (badLen.length > 0) throw new FormatError(`invalid configuration ${source}:\n  - pool.lengths: ${badLen.join(', ')} outside 2..${c.limits.maxTokens} (the token counts limits.maxTokens allows)`);
  const badPad = c.pool.padTo.filter((n) => n > c.limits.maxTokens);
  if (badPad.length > 0) throw new FormatError(`invalid configuration ${source}:\n  - pool.padTo: ${badPad.join(', ')} above limits.maxTokens ${c.limits.maxTokens}`);
  // Lengths no session is padded to would be dealt and never used.
  const unused = c.pool.padTo.length > 0 ? c.pool.lengths.filter((n) => !c.pool.padTo.includes(n)) : [];
  if (unused.length > 0) throw new FormatError(`invalid configuration ${source}:\n  - pool.lengths: ${unused.join(', ')} not in pool.padTo (${c.pool.padTo.join(', ')}): every session runs on a padTo length`);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  c.ca = abs(c.ca);
  for (const ro of ROLES) {
    const s = c.parties[ro];
    if (s.cert) s.cert = abs(s.cert);
    if (s.key) s.key = abs(s.key);
  }
  c.model.dir = abs(c.model.dir);
  if (c.model.program) c.model.program = abs(c.model.program);
  if (c.model.calib) c.model.calib = abs(c.model.calib);
  if (role) {
    const s = c.parties[role];
    const missing = [!s.cert && `parties.${role}.cert`, !s.key && `parties.${role}.key`].filter(Boolean);
    if (missing.length) throw new FormatError(`invalid configuration ${source}:\n${missing.map((m) => `  - ${m}: required to run as ${role}`).join('\n')}`);
  }
  return c;
}

/** Read and validate a JSON configuration file. */
export function loadConfig(file: string, role?: Role): ServeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FormatError(`cannot read configuration ${file}: ${(e as Error).message}`, { cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`configuration ${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseConfig(raw, file, dirname(resolve(file)), role);
}

/** The role section's TLS identity as PEM buffers (reads the files). */
export function readIdentity(c: ServeConfig, role: Role): { key: Buffer; cert: Buffer; ca: Buffer } {
  const s = c.parties[role];
  const read = (p: string | undefined, what: string): Buffer => {
    if (!p) throw new FormatError(`configuration: parties.${role}.${what} is required to run as ${role}`);
    try {
      return readFileSync(p);
    } catch (e) {
      throw new FormatError(`cannot read ${what} ${p} of ${role}: ${(e as Error).message}`, { cause: e });
    }
  };
  const id = { key: read(s.key, 'key'), cert: read(s.cert, 'cert'), ca: read(c.ca, 'ca') };
  // OpenSSL's own words ('key values mismatch', 'DECODER routines::unsupported') name no file: say which ones.
  try {
    createSecureContext(id);
  } catch (e) {
    throw new FormatError(`parties.${role}: key ${s.key}, cert ${s.cert} and ca ${c.ca} do not form a TLS identity: ${(e as Error).message}`, { cause: e });
  }
  return id;
}
