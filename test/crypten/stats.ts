/** Chi-square goodness of fit of a byte string to the uniform distribution (p-value). */
import { gammaQ } from '../mpc/stats.js';

export function chiSquareUniformBytes(b: Uint8Array): number {
  const h = new Array<number>(256).fill(0);
  for (const v of b) h[v]!++;
  const e = b.length / 256;
  let chi = 0;
  for (const c of h) chi += (c - e) ** 2 / e;
  return gammaQ(255 / 2, chi / 2);
}
