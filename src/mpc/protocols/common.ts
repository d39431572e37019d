/** Helpers shared by protocol files. */
import { ProtocolError } from '../../errors.js';
import type { RingArray, RingBits } from '../../kernels/types.js';
import type { Material } from '../material.js';

/** A named array of a material entry, checked for width and length. */
export function item(m: Material, tag: string, name: string, l: RingBits, n: number): RingArray {
  const it = m.get(name);
  if (!it) throw new ProtocolError(`offline material '${tag}' has no '${name}'`);
  if (it.l !== l || it.data.length !== n) {
    throw new ProtocolError(`offline material '${tag}/${name}' is ${it.data.length} elements of Z_2^${it.l}, the call needs ${n} of Z_2^${l}`);
  }
  return it.data;
}
