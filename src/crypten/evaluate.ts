/**
 * Accuracy of the CrypTen-baseline BERT on a labelled TSV (SST-2 dev): every
 * sentence runs the full secure forward (offline + online) on one in-process
 * session; the float model runs beside it on the same sentences.
 */
import { readEvalTsv } from '../model/data.js';
import { loadHfBert } from '../model/hf-folder.js';
import { argmax } from '../model/int-bert.js';
import { encodeAll } from '../model/api.js';
import { CryptenBertSession, shapeOfConfig } from './session.js';

export interface CryptenEvalOptions {
  modelDir: string;
  dataPath: string;
  limit?: number;
  onSentence?: (done: number, total: number) => void;
}

export interface CryptenEvalReport {
  n: number;
  accuracy: number;
  floatAccuracy: number;
  /** Sentences where the secure argmax equals the float argmax. */
  agreement: number;
  /** Largest |logit − float logit| over all sentences. */
  maxLogitError: number;
  meanLogitError: number;
  seconds: number;
}

export async function evaluateCrypten(o: CryptenEvalOptions): Promise<CryptenEvalReport> {
  const m = loadHfBert(o.modelDir);
  const rows = readEvalTsv(o.dataPath, o.limit, m.config.numLabels);
  const { data } = encodeAll(m, rows);
  const maxSeq = Math.max(...data.map((d) => d.ids.length));
  const t0 = performance.now();
  const s = await CryptenBertSession.open(shapeOfConfig(m.config), maxSeq, m.model.weights);
  let correct = 0;
  let floatCorrect = 0;
  let agree = 0;
  let maxErr = 0;
  let sumErr = 0;
  let nErr = 0;
  try {
    for (let i = 0; i < data.length; i++) {
      const d = data[i]!;
      const r = await s.infer(d.ids);
      const f = m.model.forward(d.ids);
      const a = argmax(r.logits);
      const b = argmax(f);
      if (a === d.label) correct++;
      if (b === d.label) floatCorrect++;
      if (a === b) agree++;
      for (let j = 0; j < f.length; j++) {
        const err = Math.abs(r.logits[j]! - f[j]!);
        maxErr = Math.max(maxErr, err);
        sumErr += err;
        nErr++;
      }
      s.resetAccounting();
      o.onSentence?.(i + 1, data.length);
    }
  } finally {
    await s.close();
  }
  const n = data.length;
  return { n, accuracy: correct / n, floatAccuracy: floatCorrect / n, agreement: agree / n, maxLogitError: maxErr, meanLogitError: sumErr / nErr, seconds: (performance.now() - t0) / 1000 };
}
