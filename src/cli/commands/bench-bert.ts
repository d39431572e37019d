/** `lutmpc bench bert`: the secure forward end to end on a random BERT of a given shape. */
import type { Command } from 'commander';
import { benchBert, type BertBenchReport } from '../../bench/bert.js';
import { printJson, runCommand } from '../output.js';

interface BenchBertCli {
  layers: string;
  hidden: string;
  heads: string;
  ffn: string;
  seq: string;
  vocab: string;
  bits: string;
  chunk: string;
  parties: string;
  stream: string;
  calibSentences: string;
  json?: boolean;
}

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer (got '${v}')`);
  return n;
}

function text(r: BertBenchReport): string {
  const s = r.secure;
  const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
  const lines = [
    `shape: ${r.shape.layers} layers, hidden ${r.shape.hidden}, ${r.shape.heads} heads, FFN ${r.shape.ffn}, T ${r.shape.seq}, vocab ${r.shape.vocab}, bits ${r.shape.bits}; ${r.machine.cpus} CPUs, backend ${r.machine.backend}`,
    `plaintext: float ${r.plaintext.floatSeconds.toFixed(3)} s, integer ${r.plaintext.intSeconds.toFixed(3)} s (compile ${r.compileSeconds.toFixed(1)} s)`,
    `secure (${s.parties}${s.streamed ? ', streamed' : ''}): online ${s.onlineSeconds.toFixed(3)} s, ${mb(s.bytesOnline)}, ${s.rounds} rounds; offline ${s.offlineSeconds.toFixed(2)} s, ${mb(s.bytesOffline)}; weights ${mb(s.bytesSetup)} in ${s.setupSeconds.toFixed(2)} s; exact: ${s.exact}`,
    `declared cost: ${r.declared.total.online.rounds} rounds, ${mb(r.declared.total.online.bytes)} online, ${mb(r.declared.total.offline.bytes)} offline — counters match: ${r.declaredMatches}`,
    'label     online s  online MB  rounds  offline s  offline MB',
  ];
  for (const [l, v] of Object.entries(s.perLabel)) {
    lines.push(`${l.padEnd(9)} ${v.onlineSeconds.toFixed(3).padStart(8)} ${(v.onlineBytes / 1e6).toFixed(2).padStart(10)} ${String(v.onlineRounds).padStart(7)} ${v.offlineSeconds.toFixed(2).padStart(10)} ${(v.offlineBytes / 1e6).toFixed(1).padStart(11)}`);
  }
  lines.push(`peak RSS: ${Object.entries(r.peakRssBytes).map(([p, b]) => `${p} ${(b / 2 ** 20).toFixed(0)} MiB`).join(', ')}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

export function registerBenchBert(bench: Command): void {
  bench
    .command('bert')
    .description('secure forward of a random BERT (three party processes on loopback) vs the plaintext float and integer forwards, per layer type')
    .option('--layers <n>', 'encoder layers', '2')
    .option('--hidden <n>', 'hidden size', '128')
    .option('--heads <n>', 'attention heads', '2')
    .option('--ffn <n>', 'FFN size', '512')
    .option('--seq <n>', 'sequence length T', '32')
    .option('--vocab <n>', 'vocabulary size', '30522')
    .option('--bits <spec>', 'weight bits: 8, mixed, NAME=8|4|1,...', '8')
    .option('--chunk <bits>', 'shift chunk of the 8-bit requants (8 or up to 16)', '8')
    .option('--parties <kind>', 'tcp (three processes) or inproc (one process)', 'tcp')
    .option('--stream <mode>', 'auto, on or off: alternate offline/online per segment (needed when the offline material exceeds memory)', 'auto')
    .option('--calib-sentences <n>', 'random calibration sequences', '2')
    .option('--json', 'print JSON only')
    .action((o: BenchBertCli) =>
      runCommand(async () => {
        if (o.parties !== 'tcp' && o.parties !== 'inproc') throw new RangeError(`--parties must be tcp or inproc (got '${o.parties}')`);
        if (!['auto', 'on', 'off'].includes(o.stream)) throw new RangeError(`--stream must be auto, on or off (got '${o.stream}')`);
        const r = await benchBert({
          layers: int('layers', o.layers),
          hidden: int('hidden', o.hidden),
          heads: int('heads', o.heads),
          ffn: int('ffn', o.ffn),
          seq: int('seq', o.seq),
          vocab: int('vocab', o.vocab),
          bits: o.bits,
          chunk: int('chunk', o.chunk),
          parties: o.parties,
          stream: o.stream === 'auto' ? 'auto' : o.stream === 'on',
          calibSentences: int('calib-sentences', o.calibSentences),
          log: (m) => process.stderr.write(`lutmpc: ${m}\n`),
        });
        if (o.json) printJson(r);
        else process.stdout.write(text(r));
      }),
    );
}
