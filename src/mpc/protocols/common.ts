/** Helpers shared by protocol files. */
import { ProtocolError } from '../../errors.js';
import type { RingArray, RingBits } from '../../kernels/types.js';
import type { Material, PrgRef } from '../material.js';

/** A named array of a material entry, checked for width and length. */
export function item(m: Material, tag: string, name: string, l: RingBits, n: number): RingArray {
  const it = m.get(name);
  if (!it) throw new ProtocolError(`offline material '${tag}' has no '${name}'`);
  if (it.prg) throw new ProtocolError(`offline material '${tag}/${name}' is a keystream reference; read it with tableItem`);
  if (it.l !== l || it.data.length !== n) {
    throw new ProtocolError(`offline material '${tag}/${name}' is ${it.data.length} elements of Z_2^${it.l}, the call needs ${n} of Z_2^${l}`);
  }
  return it.data;
}

/** A party's share of per-element tables: the entries, or a keystream reference (P1, `Dealing.shareTable`). */
export type TableShare = RingArray | { readonly l: RingBits; readonly prg: PrgRef };

/** A named table share of a material entry (either form), checked for width and length. */
export function tableItem(m: Material, tag: string, name: string, l: RingBits, n: number): TableShare {
  const it = m.get(name);
  if (!it) throw new ProtocolError(`offline material '${tag}' has no '${name}'`);
  const len = it.prg ? it.prg.n : it.data.length;
  if (it.l !== l || len !== n) {
    throw new ProtocolError(`offline material '${tag}/${name}' is ${len} elements of Z_2^${it.l}, the call needs ${n} of Z_2^${l}`);
  }
  return it.prg ? { l, prg: it.prg } : it.data;
}
