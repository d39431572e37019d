/** Two-sample chi-square test on histograms (for the security tests). */

function lnGamma(z: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  z -= 1;
  let x = c[0]!;
  for (let i = 1; i < 9; i++) x += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

/** Regularized upper incomplete gamma Q(s, x). */
export function gammaQ(s: number, x: number): number {
  if (x <= 0) return 1;
  if (x < s + 1) {
    let sum = 1 / s, term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (s + n);
      sum += term;
      if (term < sum * 1e-15) break;
    }
    return 1 - sum * Math.exp(-x + s * Math.log(x) - lnGamma(s));
  }
  // Continued fraction (Lentz).
  let b = x + 1 - s, c = 1e300, d = 1 / b, h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + s * Math.log(x) - lnGamma(s)) * h;
}

/** Survival function of the chi-square distribution with k degrees of freedom. */
export function chi2Sf(stat: number, k: number): number {
  return gammaQ(k / 2, stat / 2);
}

/**
 * Two-sample chi-square homogeneity test of histograms a and b (any totals).
 * Returns the p-value that both come from one distribution.
 */
export function chi2TwoSample(a: number[], b: number[]): { stat: number; dof: number; p: number } {
  const na = a.reduce((s, v) => s + v, 0), nb = b.reduce((s, v) => s + v, 0);
  const ka = Math.sqrt(nb / na), kb = Math.sqrt(na / nb);
  let stat = 0, bins = 0;
  for (let i = 0; i < a.length; i++) {
    const s = a[i]! + b[i]!;
    if (s === 0) continue;
    bins++;
    stat += (ka * a[i]! - kb * b[i]!) ** 2 / s;
  }
  const dof = Math.max(1, bins - 1);
  return { stat, dof, p: chi2Sf(stat, dof) };
}
