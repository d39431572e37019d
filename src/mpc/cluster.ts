/**
 * Start all four parties (P0, P1, P2, C) inside one process, connected by
 * in-process pipes, TCP or TLS over loopback. Tests and benchmarks use this;
 * deployments start one party per process with `Endpoint` + `Party.create`
 * (see party-main.ts).
 */
import { Party, peersOf, type PartyOptions } from './party.js';
import { inprocPipePair } from './transport/inproc.js';
import { Link, type LinkOptions } from './transport/link.js';
import { Endpoint, type Address, type NetOptions, type PartyId, type TlsIdentity } from './transport/tcp.js';

export const PARTY_IDS: readonly PartyId[] = ['P0', 'P1', 'P2', 'C'];

export interface Cluster {
  P0: Party;
  P1: Party;
  P2: Party;
  C: Party;
  /** Clean shutdown of every party. */
  close(): Promise<void>;
}

export type ClusterKind = 'inproc' | 'tcp' | 'tls';

export interface ClusterOptions extends LinkOptions {
  /** Per-party options (e.g. a DiskStore, a receive observer). */
  party?: Partial<Record<PartyId, PartyOptions>>;
  /** TLS identities per party (required for kind 'tls'). */
  tls?: Record<PartyId, TlsIdentity>;
  connectTimeoutMs?: number;
}

function assemble(links: Record<PartyId, Map<PartyId, Link>>, opts: ClusterOptions): Promise<Cluster> {
  return Promise.all(PARTY_IDS.map((id) => Party.create(id, links[id], opts.party?.[id]))).then(([P0, P1, P2, C]) => ({
    P0: P0!,
    P1: P1!,
    P2: P2!,
    C: C!,
    close: async () => {
      await Promise.all([P0!, P1!, P2!, C!].map((p) => p.close()));
    },
  }));
}

/** All parties in this process over serialized in-process pipes. */
export function inprocCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const links = { P0: new Map(), P1: new Map(), P2: new Map(), C: new Map() } as Record<PartyId, Map<PartyId, Link>>;
  for (const a of PARTY_IDS) {
    for (const b of peersOf(a)) {
      if (PARTY_IDS.indexOf(b) <= PARTY_IDS.indexOf(a)) continue;
      const [pa, pb] = inprocPipePair();
      links[a].set(b, new Link(a, b, pa, opts));
      links[b].set(a, new Link(b, a, pb, opts));
    }
  }
  return assemble(links, opts);
}

/** All parties in this process over TCP (or TLS when kind is 'tls') on 127.0.0.1. */
export async function socketCluster(kind: 'tcp' | 'tls', opts: ClusterOptions = {}): Promise<Cluster> {
  const net = (id: PartyId): NetOptions => ({ ...opts, tls: kind === 'tls' ? opts.tls?.[id] : undefined });
  if (kind === 'tls' && !opts.tls) throw new Error('socketCluster: kind "tls" needs opts.tls identities');
  const eps = await Promise.all(PARTY_IDS.map((id) => Endpoint.listen(id, net(id))));
  const addrs: Partial<Record<PartyId, Address>> = {};
  PARTY_IDS.forEach((id, i) => {
    if (id !== 'C') addrs[id] = eps[i]!.address;
  });
  const maps = await Promise.all(PARTY_IDS.map((id, i) => eps[i]!.connect(peersOf(id), addrs)));
  const links = {} as Record<PartyId, Map<PartyId, Link>>;
  PARTY_IDS.forEach((id, i) => (links[id] = maps[i]!));
  return assemble(links, opts);
}

/** A cluster of the given kind. */
export function cluster(kind: ClusterKind, opts: ClusterOptions = {}): Promise<Cluster> {
  return kind === 'inproc' ? inprocCluster(opts) : socketCluster(kind, opts);
}

export interface PartyNetConfig extends NetOptions {
  /** Where this party listens (P0, P1, P2; default 127.0.0.1 and any free port). */
  host?: string;
  port?: number;
  /** Addresses of the lower-ranked peers this party dials. */
  peers: Partial<Record<PartyId, Address>>;
  /** Called once the listener is up (e.g. to publish a port chosen by the OS). */
  onListening?: (a: Address | null) => void;
  party?: PartyOptions;
}

/**
 * One party of a multi-process deployment: listen, connect to its peers
 * (dial lower ranks, accept higher ranks), exchange seeds; resolves with the
 * ready Party.
 */
export async function connectParty(id: PartyId, cfg: PartyNetConfig): Promise<Party> {
  const ep = await Endpoint.listen(id, cfg);
  cfg.onListening?.(id === 'C' ? null : ep.address);
  const links = await ep.connect(peersOf(id), cfg.peers);
  return Party.create(id, links, cfg.party);
}
