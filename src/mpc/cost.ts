/**
 * Declared communication cost of a protocol as a formula of its shapes
 * (SPU-style: name, rounds, bytes), split into offline and online phases.
 * A cost lists every message (from, to, payload bytes) and the rounds each
 * party waits, for ONE standalone call (its own round and flush). Tests run
 * each protocol alone and check the measured counters equal these exactly;
 * batched calls share rounds, so rounds are not additive across a batch.
 *
 * Bytes are payload bytes (frame headers excluded): ring elements cost
 * ringBytes(l) each (Z_2^1 is stored one bit per byte); in round messages
 * Z_2 travels packed, eight elements per byte (ring.wireBytes).
 */
import type { PartyId } from './transport/tcp.js';

export interface Msg {
  from: PartyId;
  to: PartyId;
  bytes: number;
}

export interface PhaseCost {
  /** Rounds each party waits (absent: 0). */
  rounds: Partial<Record<PartyId, number>>;
  messages: Msg[];
}

export interface ProtocolCost {
  name: string;
  offline: PhaseCost;
  online: PhaseCost;
}

export interface PartyCounts {
  bytesSent: number;
  bytesRecv: number;
  msgsSent: number;
  msgsRecv: number;
  rounds: number;
}

const ALL: PartyId[] = ['P0', 'P1', 'P2', 'C'];

/** Per-party counters implied by a phase cost. */
export function perParty(pc: PhaseCost): Record<PartyId, PartyCounts> {
  const out = {} as Record<PartyId, PartyCounts>;
  for (const p of ALL) out[p] = { bytesSent: 0, bytesRecv: 0, msgsSent: 0, msgsRecv: 0, rounds: pc.rounds[p] ?? 0 };
  for (const m of pc.messages) {
    out[m.from].bytesSent += m.bytes;
    out[m.from].msgsSent += 1;
    out[m.to].bytesRecv += m.bytes;
    out[m.to].msgsRecv += 1;
  }
  return out;
}

/** SPU-style one-line summary: rounds = max over parties, bytes = total sent by all. */
export function summarize(c: ProtocolCost): { name: string; offline: { rounds: number; bytes: number }; online: { rounds: number; bytes: number } } {
  const s = (pc: PhaseCost) => ({
    rounds: Math.max(0, ...Object.values(pc.rounds).map((v) => v ?? 0)),
    bytes: pc.messages.reduce((a, m) => a + m.bytes, 0),
  });
  return { name: c.name, offline: s(c.offline), online: s(c.online) };
}

/** The two-message exchange of one P1–P2 round carrying `bytes` each way. */
export function exchange(bytes: number): PhaseCost {
  return {
    rounds: { P1: 1, P2: 1 },
    messages: [
      { from: 'P1', to: 'P2', bytes },
      { from: 'P2', to: 'P1', bytes },
    ],
  };
}

/** One correction message P0 → P2 of `bytes` (nothing if 0). */
export function correction(bytes: number): PhaseCost {
  if (bytes <= 0) return { rounds: {}, messages: [] };
  // A dealing's corrections travel as ⌈bytes / FLUSH_FRAME_BYTES⌉ frames; P2 waits once per flush (dealer.ts).
  const messages: PhaseCost['messages'] = [];
  for (let left = bytes; left > 0; left -= FLUSH_FRAME_BYTES) messages.push({ from: 'P0', to: 'P2', bytes: Math.min(left, FLUSH_FRAME_BYTES) });
  return { rounds: { P2: 1 }, messages };
}

/** Several dealings flushed together: each dealing's frames, and one round for P2. */
export function corrections(bytesPerDealing: readonly number[]): PhaseCost {
  const messages = bytesPerDealing.flatMap((b) => correction(b).messages);
  return messages.length > 0 ? { rounds: { P2: 1 }, messages } : { rounds: {}, messages: [] };
}

/** Upper bound on one offline correction frame (the link's default limit is 1 GiB). */
export const FLUSH_FRAME_BYTES = 256 * 1024 * 1024;

export const NO_COST: PhaseCost = Object.freeze({ rounds: {}, messages: [] }) as PhaseCost;
