/** `lutmpc bench bert`: the secure forward end to end on a random BERT of a given shape. */
import type { Command } from 'commander';
import { benchBert, type BertBenchReport } from '../../bench/bert.js';
import { borrowKind, borrowOutKind, positiveInt, printJson, runCommand, chunkOption } from '../output.js';
import { shapeFrom, shapeOptions, type ShapeCli } from '../shape-options.js';

interface BenchBertCli extends ShapeCli {
  bits: string;
  chunk: string;
  borrow?: string;
  borrowOut?: string;
  parties: string;
  stream: string;
  calibSentences: string;
  json?: boolean;
}

function text(r: BertBenchReport): string {
  const s = r.secure;
  const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
  const lines = [
    `shape: ${r.shape.layers} layers, hidden ${r.shape.hidden}, ${r.shape.heads} heads, FFN ${r.shape.ffn}, T ${r.shape.seq}, vocab ${r.shape.vocab}, bits ${r.shape.bits}, chunk ${r.shape.chunk}, borrow ${r.shape.borrow}, last opening ${r.shape.borrowOut}; ${r.machine.cpus} CPUs, backend ${r.machine.backend}`,
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
  shapeOptions(
    bench
      .command('bert')
      .description('secure forward of a random BERT (three party processes on loopback) vs the plaintext float and integer forwards, per layer type'),
    { layers: 2, hidden: 128, heads: 2, ffn: 512, seq: 32, vocab: 30522 },
  )
    .option('--bits <spec>', 'weight bits: 8, mixed, NAME=8|4|1,...', '8')
    .option('--chunk <bits>', 'widest borrow chunk of the 8-bit requants, 1…15: sets the links (rounds) of each shift (8: 2 for the 16-bit caps, 3 for the context\'s 24 bits; 12: 2 everywhere), each split the cheapest', '8')
    .option('--borrow <kind>', 'borrow protocol of the requants with 3–5 chunks (the context requant at chunk 8): select (default, 2 rounds, twice the table reads) or chain (one round per chunk)')
    .option('--borrow-out <kind>', "what the requants' last borrow round opens: bit (one bit, output tables over 2^(n+1) entries), index (the n-bit index where that deals fewer bytes, tables over 2^n: 40 % fewer offline bytes at BERT-base for 12 % more online bytes) or per role ROLE=bit|index,... (default lnCentre=index: 9 % fewer offline bytes at BERT-base for 1.5 % more online)")
    .option('--parties <kind>', 'tcp (three processes) or inproc (one process)', 'tcp')
    .option('--stream <mode>', 'auto, on or off: alternate offline/online per segment (needed when the offline material exceeds memory)', 'auto')
    .option('--calib-sentences <n>', 'random calibration sequences', '2')
    .option('--json', 'print JSON only')
    .action((o: BenchBertCli) =>
      runCommand(async () => {
        if (o.parties !== 'tcp' && o.parties !== 'inproc') throw new RangeError(`--parties must be tcp or inproc (got '${o.parties}')`);
        if (!['auto', 'on', 'off'].includes(o.stream)) throw new RangeError(`--stream must be auto, on or off (got '${o.stream}')`);
        const r = await benchBert({
          ...shapeFrom(o),
          bits: o.bits,
          chunk: chunkOption(o.chunk),
          borrow: borrowKind(o.borrow),
          borrowOut: borrowOutKind(o.borrowOut),
          parties: o.parties,
          stream: o.stream === 'auto' ? 'auto' : o.stream === 'on',
          calibSentences: positiveInt('calib-sentences', o.calibSentences),
          log: (m) => process.stderr.write(`lutmpc: ${m}\n`),
        });
        if (o.json) printJson(r);
        else process.stdout.write(text(r));
      }),
    );
}
