/**
 * Largest frame the secure forward's links accept: one flush of offline
 * corrections can exceed the runtime's 1 GiB default at BERT-base shape
 * (FFN1's requant tables at T = 128 are ~1.1 GB); the frame header's u32
 * length is the limit.
 */
export const MAX_FRAME = 0xffffffff;
