/** Summaries of the parties' accounting reports for the CLI and the benchmark. */
import type { Counters, PartyReport } from '../mpc/accounting.js';

export interface LabelFigures {
  onlineBytes: number;
  onlineRounds: number;
  offlineBytes: number;
}

export interface SecureFigures {
  /** Payload bytes sent by P1, P2 and C in the online phase. */
  bytesOnline: number;
  /** P0 → P2 correction bytes of the per-sentence offline phase (weights excluded). */
  bytesOffline: number;
  /** Once-per-model weight shares P0 → P2. */
  bytesSetup: number;
  /** Online rounds (max over parties). */
  rounds: number;
  labels: Record<string, LabelFigures>;
}

function phase(r: PartyReport, ph: string): Record<string, Counters> {
  return r.phases[ph]?.labels ?? {};
}

export function summarize(reports: readonly PartyReport[]): SecureFigures {
  const labels: Record<string, LabelFigures> = {};
  const cell = (l: string): LabelFigures => (labels[l] ??= { onlineBytes: 0, onlineRounds: 0, offlineBytes: 0 });
  let bytesOnline = 0;
  let bytesOffline = 0;
  let bytesSetup = 0;
  let rounds = 0;
  for (const r of reports) {
    for (const [l, c] of Object.entries(phase(r, 'online'))) {
      bytesOnline += c.bytesSent;
      cell(l).onlineBytes += c.bytesSent;
      cell(l).onlineRounds = Math.max(cell(l).onlineRounds, c.rounds);
    }
    rounds = Math.max(rounds, r.phases['online']?.total.rounds ?? 0);
    for (const [l, c] of Object.entries(phase(r, 'offline'))) {
      if (l === 'weights') bytesSetup += c.bytesSent;
      else {
        bytesOffline += c.bytesSent;
        cell(l).offlineBytes += c.bytesSent;
      }
    }
  }
  return { bytesOnline, bytesOffline, bytesSetup, rounds, labels };
}
