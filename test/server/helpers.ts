/**
 * A tiny random BERT (random-bert.ts) compiled for the service tests, a local
 * deployment (generated certificates, free loopback ports) and the plaintext
 * IntBert reference logits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { getKernels } from '../../src/kernels/loader.js';
import { calibrate } from '../../src/model/calibrate.js';
import { loadHfBert } from '../../src/model/hf-folder.js';
import { IntBert } from '../../src/model/int-bert.js';
import type { IntProgram } from '../../src/model/program.js';
import { compileProgram } from '../../src/model/quantize.js';
import { randomSentences, writeRandomBert } from '../../src/model/random-bert.js';
import { writeLocalDeployment, type LocalSetup } from '../../src/server/local.js';

export interface TinyModel {
  dir: string;
  program: IntProgram;
  encode(text: string): number[];
  reference(ids: readonly number[]): Promise<number[]>;
}

export function tinyModel(seed = 5): TinyModel {
  const dir = writeRandomBert({ layers: 1, hidden: 16, heads: 2, intermediate: 32, maxPositions: 16, seed });
  const m = loadHfBert(dir);
  const calib = randomSentences(24, 3, 8).map((s) => m.tokenizer.encode(s, m.config.maxPositions).ids);
  const program = compileProgram(m.model, calibrate(m.model, calib));
  const ib = new IntBert(program, getKernels());
  return {
    dir,
    program,
    encode: (t) => m.tokenizer.encode(t, m.config.maxPositions).ids,
    reference: async (ids) => Array.from((await ib.forward(ids)).logits),
  };
}

/** A second client's token (sessions are bound to the client that opened them). */
export const OTHER_TOKEN = 'other-client-token-0123456789';

export async function localDeployment(model: TinyModel, overrides: Record<string, unknown> = {}): Promise<LocalSetup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-serve-test-'));
  return writeLocalDeployment(dir, {
    model: { name: 'tiny', dir: model.dir },
    extraClients: [{ name: 'other', token: OTHER_TOKEN }],
    overrides: { log: { level: 'warn' }, limits: { maxTokens: 16, maxSessions: 32, messageTimeoutMs: 8000, materialWaitMs: 20_000 }, pool: { perLength: 1, lengths: [], maxLengths: 4, maxItems: 8, concurrency: 2 }, ...overrides },
  });
}

/** A quiet logger (warnings and errors only) for in-process roles. */
export const quietLog = pino({ level: process.env['LUTMPC_TEST_LOG'] ?? 'warn' });

/** One raw HTTPS request (any body, any headers): status and parsed JSON (or text). */
export async function rawRequest(url: string, ca: Buffer, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, url), { method, ca, headers: { ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = { text };
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
