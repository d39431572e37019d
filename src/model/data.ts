/**
 * Labelled TSV reader: a header row naming a text column (`sentence` as in
 * GLUE, or `text`) and `label`; one example per line.
 */
import { readFileSync } from 'node:fs';
import { FormatError, LutmpcError, ShapeError } from '../errors.js';

export interface Example {
  text: string;
  label: number;
  /** 1-based line in its file (for error messages). */
  line?: number;
}

export function parseTsv(content: string, source = 'tsv'): Example[] {
  // A UTF-8 byte-order mark would otherwise become part of the first column's name, invisibly.
  const lines = content.replace(/^\uFEFF/, '').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const header = (lines[0] ?? '').split('\t');
  const ti = header.indexOf('sentence') >= 0 ? header.indexOf('sentence') : header.indexOf('text');
  const li = header.indexOf('label');
  if (ti < 0 || li < 0) throw new FormatError(`${source}: header must name a 'sentence' or 'text' column and a 'label' column (got ${JSON.stringify(header).slice(0, 200)})`);
  const out: Example[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === '') continue;
    const parts = line.split('\t');
    if (parts.length <= Math.max(ti, li)) throw new FormatError(`${source}:${n + 1}: ${parts.length} tab-separated column(s), the header names ${header.length}`);
    const lab = parts[li]!;
    if (!/^-?\d+$/.test(lab.trim())) throw new FormatError(`${source}:${n + 1}: label ${JSON.stringify(lab.slice(0, 40))} is not an integer`);
    out.push({ text: parts[ti] ?? '', label: Number(lab.trim()), line: n + 1 });
  }
  return out;
}

/** An example-count option: undefined, or a positive integer (a negative one would slice from the end). */
export function checkLimit(name: string, limit: number | undefined): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new ShapeError(`${name} must be a positive integer (got ${limit})`);
}

export function readTsv(path: string, limit?: number, limitName = 'limit'): Example[] {
  checkLimit(limitName, limit);
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FormatError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const rows = parseTsv(content, path);
  return limit !== undefined ? rows.slice(0, limit) : rows;
}

/** Refuse labels a model with `numLabels` outputs cannot predict (an accuracy over them would mean nothing). */
export function checkLabels(rows: readonly Example[], numLabels: number, source: string): void {
  const bad = rows.find((r) => r.label < 0 || r.label >= numLabels);
  if (bad) throw new FormatError(`${source}${bad.line !== undefined ? `:${bad.line}` : ''}: label ${bad.label} is outside 0..${numLabels - 1} (the model has ${numLabels} labels)`);
}

/** A calibration split: like readTsv, and refused by name when it holds no example. */
export function readCalibTsv(path: string, limit = 256): Example[] {
  const rows = readTsv(path, limit, 'calibLimit');
  if (rows.length === 0) throw new FormatError(`${path}: calibration set is empty (no example after the header)`);
  return rows;
}

/** An evaluation split for a model with `numLabels` outputs: at least one example, every label one it can predict. */
export function readEvalTsv(path: string, limit: number | undefined, numLabels: number): Example[] {
  const rows = readTsv(path, limit);
  if (rows.length === 0) throw new LutmpcError(`${path}: no examples to evaluate`);
  checkLabels(rows, numLabels, path);
  return rows;
}
