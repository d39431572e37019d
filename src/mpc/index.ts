/**
 * The three-party MPC runtime: parties, transport, accounting, dealer,
 * sharings, protocols.
 *
 * Typical use (all four roles run the same program text):
 *
 *   const cl = await cluster('tcp');                 // or inprocCluster(), connectParty(id, cfg)
 *   // offline, on P0, P1, P2 (before the input exists):
 *   const off = new Offline(party);
 *   const w = await shareWeight(off, 32, k, n, party.id === 'P0' ? W : undefined);
 *   const rx = await inputOffline(off, 32, [m, k]);
 *   await matmulWeightOffline(off, rx, w);
 *   await mulOffline(off, rx, rx);
 *   await off.flush('layer0');                       // one P0→P2 message
 *   // online, on P1 and P2:
 *   const [x] = await inRound(party, 'input', (r) => [input(r, 32, [m, k])]);
 *   const [y, z] = await inRound(party, 'layer0', (r) => [matmulWeight(r, x, w), mul(r, x, x)]);  // one round
 *   output(party, y);
 *   // client: await clientInput(C, 32, X); const Y = await clientOutput(C, 32, m * n);
 *   party.acct.report();                             // JSON: bytes, messages, rounds per phase and label
 */
export * from './accounting.js';
export * from './chain.js';
export * from './cluster.js';
export * from './cost.js';
export * from './dealer.js';
export * from './material.js';
export * from './party.js';
export * from './prg.js';
export * from './round.js';
export * from './sharing.js';
export * as ring from './ring.js';
export * from './transport/frame.js';
export * from './transport/inproc.js';
export * from './transport/link.js';
export * from './transport/shaping.js';
export * from './transport/tcp.js';
export * from './protocols/input.js';
export * from './protocols/output.js';
export * from './protocols/remask.js';
export * from './protocols/mul.js';
export * from './protocols/matmul.js';
export * from './protocols/matmul-weight.js';
/** Lookup-table protocols, exact shifts, requantization, comparisons, 1-bit layers (a namespace: names such as `shift` and `max` would clash). */
export * as lut from './lut/index.js';
