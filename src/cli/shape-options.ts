/**
 * The BERT shape options shared by `bench bert`, `bench crypten` and the
 * bench/ scripts: --layers --hidden --heads --ffn --seq --vocab, each a
 * positive integer, with per-command defaults.
 */
import type { Command } from 'commander';
import type { BenchShape } from '../bench/crypten.js';
import { positiveInt } from './output.js';

/** A BERT benchmark shape without the label count (the options' values). */
export type ShapeDefaults = Omit<BenchShape, 'labels'>;

export interface ShapeCli {
  layers: string;
  hidden: string;
  heads: string;
  ffn: string;
  seq: string;
  vocab: string;
}

/** Add the six shape options to `cmd` with these defaults. */
export function shapeOptions<C extends Command>(cmd: C, d: ShapeDefaults): C {
  cmd
    .option('--layers <n>', 'encoder layers', String(d.layers))
    .option('--hidden <n>', 'hidden size', String(d.hidden))
    .option('--heads <n>', 'attention heads', String(d.heads))
    .option('--ffn <n>', 'FFN (intermediate) size', String(d.ffn))
    .option('--seq <n>', 'sequence length T', String(d.seq))
    .option('--vocab <n>', 'vocabulary size (one-hot embedding lookup)', String(d.vocab));
  return cmd;
}

/** The parsed shape; RangeError naming the option that is not a positive integer. */
export function shapeFrom(o: ShapeCli): ShapeDefaults {
  const n = (name: keyof ShapeCli): number => positiveInt(name, o[name])!;
  return { layers: n('layers'), hidden: n('hidden'), heads: n('heads'), ffn: n('ffn'), seq: n('seq'), vocab: n('vocab') };
}
