/**
 * One private classification end to end (library side of `lutmpc infer` and
 * `lutmpc demo`): tokenize on the client, run the three servers (separate
 * processes on loopback by default), and check the secure int32 logits
 * against the plaintext integer reference computed by the launcher for
 * verification (the launcher holds the program only because it also plays
 * the model owner in this single-machine setup).
 *
 * Who sees what: the client its text, token ids and the int32 logits; P0 the
 * program (weights, shifts, tables, logitScale) and the number of positions
 * it deals for (the token count unless `padTo` pads them); P1/P2 the token
 * count, masked values and shares only. Float logits = int32 × logitScale are
 * computed here with the owner's logitScale (the argmax — the label — needs
 * no scale).
 */
import { ShapeError } from '../errors.js';
import { getKernels } from '../kernels/loader.js';
import { IntBert, argmax } from '../model/int-bert.js';
import type { PartyReport } from '../mpc/accounting.js';
import type { PartyId, TlsIdentity } from '../mpc/transport/tcp.js';
import type { SecureOptions } from './forward.js';
import { secureInferInProcess } from './inprocess.js';
import { launchSecure } from './launch.js';
import type { ResolvedModel } from './model-source.js';
import { summarize, type SecureFigures } from './report.js';

export type PartiesKind = 'tcp' | 'tls' | 'inproc';

export interface SecureInferOptions {
  /** The model folder and compiled program, from resolveProgram. */
  model: ResolvedModel;
  /** The text to classify (non-empty; longer than the model's max positions: truncated, with a `log` line). */
  text: string;
  /**
   * 'tcp' (default): P0, P1 and P2 as three child processes on loopback;
   * 'tls': the same over TLS (needs `tls`); 'inproc': all in this process.
   */
  parties?: PartiesKind;
  /** TLS identities of P0, P1, P2 and the client C, for parties 'tls' (`lutmpc certs` writes them). */
  tls?: Partial<Record<PartyId, TlsIdentity>>;
  /** Protocol options (requant chunk, borrow protocol); default the engine's. */
  secure?: SecureOptions;
  /**
   * Positions P0 deals for (≥ the token count): the ids are padded to it, so
   * P0 learns only this public length, never the token count (secureForward).
   * Default: the token count itself, which P0 then knows.
   */
  padTo?: number;
  /** Longest wait for one message, ms (default 120 000 with child processes, 30 000 in process). */
  timeoutMs?: number;
  /** Progress and notice lines (truncation, the servers' stderr); default: dropped. */
  log?: (msg: string) => void;
  /** party-proc.js to fork (tests). */
  entry?: string;
}

export interface SecureInferReport {
  text: string;
  tokens: number;
  /** Positions P0 dealt for: the only length it learns (`padTo`, else the token count). */
  positions: number;
  truncated: boolean;
  label: string;
  labelId: number;
  /** Secure int32 logits (what the client receives). */
  logits: number[];
  /** logits × logitScale (model owner's scale). */
  floatLogits: number[];
  reference: { logits: number[]; label: string };
  exact: boolean;
  program: string;
  secure: {
    parties: string;
    onlineMs: number;
    offlineMs: number;
    setupMs: number;
    bytesOnline: number;
    bytesOffline: number;
    bytesSetup: number;
    rounds: number;
    maxRssBytes?: Record<string, number>;
    labels: SecureFigures['labels'];
  };
  /** Raw per-party accounting (P0, P1, P2, C). */
  reports: PartyReport[];
}

/**
 * Classify one text by the three-party secure forward (`lutmpc infer`), and
 * check the secure int32 logits against the plaintext integer reference
 * (`exact`). Get `model` from resolveProgram. Starts three server processes
 * unless `parties` is 'inproc'.
 *
 * @throws ShapeError when the text is empty or `padTo` is not an integer from the token count to the model's max positions.
 * @throws RangeError when `parties` is 'tls' and `tls` lacks an identity.
 * @throws PeerError / TimeoutError when a server exits, disconnects or stalls.
 */
export async function secureInfer(o: SecureInferOptions): Promise<SecureInferReport> {
  const { hf, program } = o.model;
  if (o.text.trim() === '') throw new ShapeError('the text is empty: there is nothing to classify');
  const enc = hf.tokenizer.encode(o.text, program.config.maxPositions);
  const ids = enc.ids;
  if (enc.truncated) o.log?.(`text longer than ${program.config.maxPositions} tokens: truncated`);
  const ref = await new IntBert(program, getKernels()).forward(ids);
  const parties = o.parties ?? 'tcp';
  let run: { logits: Int32Array; onlineMs: number; offlineMs: number; setupMs: number; reports: PartyReport[]; maxRssBytes?: Record<string, number> };
  const positions = o.padTo ?? ids.length;
  if (!Number.isInteger(positions) || positions < ids.length || positions > program.config.maxPositions) throw new ShapeError(`pad to ${o.padTo}: must be an integer in ${ids.length}..${program.config.maxPositions} (the text has ${ids.length} tokens; the model takes ${program.config.maxPositions} positions)`);
  if (parties === 'inproc') run = await secureInferInProcess(program, ids, 'inproc', o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }, o.secure, positions);
  else run = await launchSecure({ program, programPath: o.model.programPath, ids, padTo: positions, kind: parties, tls: o.tls, secure: o.secure, timeoutMs: o.timeoutMs, log: o.log, entry: o.entry });
  const fig = summarize(run.reports);
  const logits = Array.from(run.logits);
  const labelId = argmax(logits);
  const names = program.config.id2label;
  return {
    text: o.text,
    tokens: ids.length,
    positions,
    truncated: enc.truncated,
    label: names[labelId] ?? String(labelId),
    labelId,
    logits,
    floatLogits: logits.map((v) => v * program.logitScale),
    reference: { logits: Array.from(ref.logits), label: names[argmax(ref.logits)] ?? String(argmax(ref.logits)) },
    exact: logits.length === ref.logits.length && logits.every((v, i) => v === ref.logits[i]),
    program: o.model.source,
    secure: {
      parties: parties === 'inproc' ? 'one process (in-process pipes)' : `three processes over ${parties.toUpperCase()} on loopback`,
      onlineMs: run.onlineMs,
      offlineMs: run.offlineMs,
      setupMs: run.setupMs,
      bytesOnline: fig.bytesOnline,
      bytesOffline: fig.bytesOffline,
      bytesSetup: fig.bytesSetup,
      rounds: fig.rounds,
      maxRssBytes: run.maxRssBytes,
      labels: fig.labels,
    },
    reports: run.reports,
  };
}
