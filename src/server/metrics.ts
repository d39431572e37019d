/**
 * Process metrics in the Prometheus text format (counters and simple
 * summaries: count, sum and the p50/p99 of the last 1024 observations).
 * Kept local so the service needs no metrics library.
 */
export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly obs = new Map<string, { count: number; sum: number; last: number[] }>();
  private readonly gauges = new Map<string, () => number>();

  constructor(readonly prefix = 'lutmpc_') {}

  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  observe(name: string, v: number): void {
    let o = this.obs.get(name);
    if (!o) this.obs.set(name, (o = { count: 0, sum: 0, last: [] }));
    o.count++;
    o.sum += v;
    o.last.push(v);
    if (o.last.length > 1024) o.last.shift();
  }

  gauge(name: string, f: () => number): void {
    this.gauges.set(name, f);
  }

  text(labels: Record<string, string> = {}): string {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
    const lab = (extra = ''): string => (l || extra ? `{${[l, extra].filter(Boolean).join(',')}}` : '');
    const out: string[] = [];
    for (const [k, v] of this.counters) out.push(`# TYPE ${this.prefix}${k}_total counter`, `${this.prefix}${k}_total${lab()} ${v}`);
    for (const [k, f] of this.gauges) out.push(`# TYPE ${this.prefix}${k} gauge`, `${this.prefix}${k}${lab()} ${f()}`);
    for (const [k, o] of this.obs) {
      const s = [...o.last].sort((a, b) => a - b);
      const q = (p: number): number => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : 0);
      out.push(`# TYPE ${this.prefix}${k} summary`, `${this.prefix}${k}${lab('quantile="0.5"')} ${q(0.5).toFixed(3)}`, `${this.prefix}${k}${lab('quantile="0.99"')} ${q(0.99).toFixed(3)}`, `${this.prefix}${k}_sum${lab()} ${o.sum.toFixed(3)}`, `${this.prefix}${k}_count${lab()} ${o.count}`);
    }
    return out.join('\n') + '\n';
  }
}
