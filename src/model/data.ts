/**
 * Labelled TSV reader: a header row naming a text column (`sentence` as in
 * GLUE, or `text`) and `label`; one example per line.
 */
import { readFileSync } from 'node:fs';
import { FormatError } from '../errors.js';

export interface Example {
  text: string;
  label: number;
}

export function parseTsv(content: string, source = 'tsv'): Example[] {
  const lines = content.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const header = (lines[0] ?? '').split('\t');
  const ti = header.indexOf('sentence') >= 0 ? header.indexOf('sentence') : header.indexOf('text');
  const li = header.indexOf('label');
  if (ti < 0 || li < 0) throw new FormatError(`${source}: header must name a 'sentence' or 'text' column and a 'label' column (got ${JSON.stringify(header)})`);
  const out: Example[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === '') continue;
    const parts = line.split('\t');
    const lab = parts[li];
    if (lab === undefined || !/^-?\d+$/.test(lab.trim())) throw new FormatError(`${source}:${n + 1}: label ${JSON.stringify(lab)} is not an integer`);
    out.push({ text: parts[ti] ?? '', label: Number(lab.trim()) });
  }
  return out;
}

export function readTsv(path: string, limit?: number): Example[] {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FormatError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const rows = parseTsv(content, path);
  return limit !== undefined ? rows.slice(0, limit) : rows;
}
