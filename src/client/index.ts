/**
 * Client SDK of the secure inference service.
 *
 *   const c = new Client({ p1: 'https://h1:8441', p2: 'https://h2:8442', token, model: 'sst2', ca });
 *   const r = await c.classify('a gripping, funny film');   // { label, logits, ... }
 *
 * What happens (per call, one session with its own id and material):
 *   1. The text is tokenized here (the vocabulary is public; fetched from P1
 *      when no tokenizer is given). Only the length T leaves the client.
 *   2. POST P1 /v1/sessions {T} → session id, P1's seed and P1's key for
 *      its share of the input mask; POST P2 …/join → the same from P2.
 *      (Server certificates must name P1 / P2.)
 *   3. The client's own Party masks the one-hot token matrix X with
 *      r = PRG(key1) + PRG(key2) and sends X + r to both (…/exchange,
 *      mpc/protocols/input.ts). Each server knows one share of r only, so
 *      X + r is uniform to it: neither server learns ids.
 *   4. The exchange answers carry P1's and P2's shares of the int32 logits;
 *      only the client adds them. Float logits need the owner's scale, which
 *      the service does not publish; the label is the argmax.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FormatError, LutmpcError, ProtocolError, ShapeError } from '../errors.js';
import { Party } from '../mpc/party.js';
import { Link } from '../mpc/transport/link.js';
import type { PartyId } from '../mpc/transport/tcp.js';
import { loadTokenizer, type BertTokenizer } from '../model/tokenizer.js';
import type { PublicShape } from '../secure/forward.js';
import { CLIENT_INPUT_MESSAGES, checkTokenIds, clientInfer } from '../secure/session.js';
import { fromWire, RelayPipe, toWire } from '../server/relay.js';
import { JsonHttp, ServiceError } from './http.js';

export { ServiceError } from './http.js';

export interface ClientOptions {
  /** Base URL of P1's API (https://host:port). */
  p1: string;
  /** Base URL of P2's API. */
  p2: string;
  /** Bearer token given by the operators. */
  token: string;
  /** Model name (default: the only model P1 serves). */
  model?: string;
  /** PEM of the deployment CA (default: the system's CAs). */
  ca?: string | Buffer;
  /** Check that the servers' certificates name P1 and P2 (default true). */
  checkNames?: boolean;
  /** A tokenizer or a model folder with vocab.txt / tokenizer.json (default: fetched from P1). */
  tokenizer?: BertTokenizer | string;
  /** Longest wait for one HTTP answer (default 120 000 ms). */
  timeoutMs?: number;
  /** Texts longer than the service's limit: truncate (default) or throw. */
  truncate?: boolean;
}

export interface ServedModel {
  name: string;
  shape: PublicShape;
  labels: string[];
  maxTokens: number;
}

export interface ClassifyResult {
  label: string;
  labelId: number;
  /** int32 logits reconstructed by the client. */
  logits: number[];
  tokens: number;
  truncated: boolean;
  sessionId: string;
  ms: number;
}

export interface CallOptions {
  /**
   * Abort the call: it rejects with the signal's reason, and a session
   * already open is cancelled on both servers (DELETE /v1/sessions/:id), so
   * they free it at once instead of at their message timeout.
   */
  signal?: AbortSignal;
}

/** A promise that rejects with the signal's reason when it aborts, and a dispose that drops the listener (a signal may serve many calls). */
function abortion(signal: AbortSignal | undefined): { stop: Promise<never>; dispose: () => void } {
  let dispose = (): void => undefined;
  const stop = new Promise<never>((_, reject) => {
    if (!signal) return;
    if (signal.aborted) return reject(signal.reason as Error);
    const on = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', on, { once: true });
    dispose = () => signal.removeEventListener('abort', on);
  });
  stop.catch(() => undefined);
  return { stop, dispose };
}

/**
 * Refuse a text with no words: it would still encode to [CLS] [SEP] and
 * spend a secure session (and its dealt material) on a meaningless answer.
 */
export function checkText(text: string): void {
  if (typeof text !== 'string') throw new ShapeError(`text must be a string (got ${typeof text})`);
  if (text.trim() === '') throw new ShapeError('text is empty (or only whitespace): nothing to classify');
}

export class Client {
  private readonly h1: JsonHttp;
  private readonly h2: JsonHttp;
  private model: ServedModel | undefined;
  private tok: BertTokenizer | undefined;
  /** Longest wait for one answer (ClientOptions.timeoutMs). */
  private readonly timeoutMs: number;

  constructor(readonly opts: ClientOptions) {
    const check = opts.checkNames ?? true;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.h1 = new JsonHttp({ url: opts.p1, name: check ? 'P1' : undefined, ca: opts.ca }, opts.token, this.timeoutMs);
    this.h2 = new JsonHttp({ url: opts.p2, name: check ? 'P2' : undefined, ca: opts.ca }, opts.token, this.timeoutMs);
    if (typeof opts.tokenizer === 'object') this.tok = opts.tokenizer;
  }

  /** The served model's public description (P1 and P2 must agree). */
  async info(): Promise<ServedModel> {
    if (this.model) return this.model;
    const [a, b] = await Promise.all([this.h1.request<{ models: ServedModel[] }>('GET', '/v1/models'), this.h2.request<{ models: ServedModel[] }>('GET', '/v1/models')]);
    const pick = (l: ServedModel[], who: string): ServedModel => {
      const m = this.opts.model ? l.find((x) => x.name === this.opts.model) : l[0];
      if (m) return m;
      // Nothing deployed yet means the dealer has not (re)deployed: say so rather than blame the name.
      if (l.length === 0) throw new ServiceError(`${who} serves no model yet: the dealer (P0) has not deployed one (is it running and connected?)`, 404, who);
      throw new ServiceError(`${who} does not serve model '${this.opts.model}' (it serves ${l.map((x) => `'${x.name}'`).join(', ')})`, 404, who);
    };
    const m1 = pick(a.models, 'P1');
    const m2 = pick(b.models, 'P2');
    if (JSON.stringify(m1.shape) !== JSON.stringify(m2.shape)) throw new LutmpcError(`P1 and P2 describe model '${m1.name}' differently`);
    return (this.model = m1);
  }

  private async tokenizer(): Promise<BertTokenizer> {
    if (this.tok) return this.tok;
    if (typeof this.opts.tokenizer === 'string') return (this.tok = loadTokenizer(this.opts.tokenizer));
    const m = await this.info();
    const { files } = await this.h1.request<{ files: Record<string, string> }>('GET', `/v1/models/${encodeURIComponent(m.name)}/tokenizer`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-tok-'));
    try {
      for (const [f, text] of Object.entries(files)) if (/^[a-z_]+\.(json|txt)$/.test(f)) fs.writeFileSync(path.join(dir, f), text);
      return (this.tok = loadTokenizer(dir));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Classify a text (tokenized locally). */
  async classify(text: string, call: CallOptions = {}): Promise<ClassifyResult> {
    call.signal?.throwIfAborted();
    checkText(text);
    const m = await this.info();
    const tok = await this.tokenizer();
    // Another tokenizer's ids would be valid numbers with the wrong meaning: refuse a size mismatch.
    if (tok.vocabSize !== m.shape.vocab) throw new FormatError(`the tokenizer has ${tok.vocabSize} tokens but model '${m.name}' has a vocabulary of ${m.shape.vocab}: use the model's own tokenizer`);
    const enc = tok.encode(text, m.maxTokens);
    if (enc.truncated && this.opts.truncate === false) throw new ShapeError(`text is longer than the service's limit of ${m.maxTokens} tokens`);
    const r = await this.classifyIds(enc.ids, call);
    return { ...r, truncated: enc.truncated };
  }

  /** Classify token ids (one secure session). */
  async classifyIds(ids: readonly number[], call: CallOptions = {}): Promise<ClassifyResult> {
    const { signal } = call;
    signal?.throwIfAborted();
    const t0 = performance.now();
    const m = await this.info();
    if (ids.length < 2 || ids.length > m.maxTokens) throw new ShapeError(`${ids.length} tokens: the service accepts 2..${m.maxTokens}`);
    checkTokenIds(ids, m.shape); // before a session opens on the servers
    const { timeoutMs } = this;
    const r1 = new RelayPipe('P1');
    const r2 = new RelayPipe('P2');
    const links = new Map<PartyId, Link>([
      ['P1', new Link('C', 'P1', r1, { timeoutMs })],
      ['P2', new Link('C', 'P2', r2, { timeoutMs })],
    ]);
    type Messages = { messages: { tag: string; data: string }[] };
    const open = await this.h1.request<{ sessionId: string; positions?: number } & Messages>('POST', '/v1/sessions', { model: m.name, tokens: ids.length }, signal);
    // The service pads sessions to public lengths (pool.padTo) so the dealer never learns the count: pad the ids to it.
    const positions = open.positions ?? ids.length;
    const sid = open.sessionId;
    const { stop, dispose } = abortion(signal);
    let party: Party | undefined;
    try {
      if (!Number.isInteger(positions) || positions < ids.length || positions > m.shape.maxPositions) throw new ProtocolError(`P1 asked for ${String(open.positions)} positions for ${ids.length} tokens`);
      const join = await this.h2.request<Messages>('POST', `/v1/sessions/${sid}/join`, { model: m.name }, signal);
      r1.inject(open.messages.map(fromWire));
      r2.inject(join.messages.map(fromWire));
      party = await Party.create('C', links);
      const result = clientInfer(party, m.shape, ids, positions);
      result.catch(() => undefined);
      // Both servers get all of the client's input messages in one exchange.
      const sent = (r: RelayPipe): number => r.outbox.filter((x) => x.tag.endsWith(':input')).length;
      // A failure of the client's own side (or an abort) must end the wait, not leave it pending forever.
      await Promise.race([r2.until(() => sent(r1) >= CLIENT_INPUT_MESSAGES && sent(r2) >= CLIENT_INPUT_MESSAGES), result.then(() => undefined), stop]);
      const [a, b] = await Promise.all([
        this.h1.request<Messages>('POST', `/v1/sessions/${sid}/exchange`, { model: m.name, messages: r1.drain().map(toWire) }, signal),
        this.h2.request<Messages>('POST', `/v1/sessions/${sid}/exchange`, { model: m.name, messages: r2.drain().map(toWire) }, signal),
      ]);
      r1.inject(a.messages.map(fromWire));
      r2.inject(b.messages.map(fromWire));
      const logits = Array.from(await Promise.race([result, stop]));
      let best = 0;
      logits.forEach((v, i) => (v > logits[best]! ? (best = i) : undefined));
      return { label: m.labels[best] ?? String(best), labelId: best, logits, tokens: ids.length, truncated: false, sessionId: sid, ms: performance.now() - t0 };
    } catch (e) {
      party?.abort(e as Error);
      await this.cancel(sid);
      throw e;
    } finally {
      dispose();
    }
  }

  /**
   * Give a session up on both servers (best effort: one that already ended
   * or never heard of it answers 404, which is fine here).
   */
  private async cancel(sid: string): Promise<void> {
    const path = `/v1/sessions/${encodeURIComponent(sid)}`;
    const quick = AbortSignal.timeout(Math.min(this.timeoutMs, 5000));
    await Promise.allSettled([this.h1.request('DELETE', path, undefined, quick), this.h2.request('DELETE', path, undefined, quick)]);
  }

  close(): void {
    this.h1.close();
    this.h2.close();
  }
}
