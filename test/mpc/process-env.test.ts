/**
 * The forked party processes get glibc malloc tunables that keep freed
 * memory mapped (compute parties) or trims moderately (dealer) (process-env.ts);
 * a user's own GLIBC_TUNABLES stay and win.
 */
import { describe, expect, it } from 'vitest';
import { COMPUTE_MALLOC_TUNABLES, DEALER_MALLOC_TUNABLES, partyProcessEnv } from '../../src/mpc/process-env.js';

describe('party process environment', () => {
  it('adds the malloc tunables and keeps the rest of the environment', () => {
    const env = partyProcessEnv('compute', { PATH: '/bin', LUTMPC_MODEL: 'm' });
    expect(env).toEqual({ PATH: '/bin', LUTMPC_MODEL: 'm', GLIBC_TUNABLES: COMPUTE_MALLOC_TUNABLES });
    expect(partyProcessEnv('dealer', {}).GLIBC_TUNABLES).toBe(DEALER_MALLOC_TUNABLES);
    expect(DEALER_MALLOC_TUNABLES).not.toBe(COMPUTE_MALLOC_TUNABLES);
    expect(COMPUTE_MALLOC_TUNABLES).toMatch(/glibc\.malloc\.mmap_threshold=\d+/);
  });

  it("puts the user's tunables last, so glibc applies them over ours", () => {
    const env = partyProcessEnv('compute', { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0' });
    expect(env.GLIBC_TUNABLES).toBe(`${COMPUTE_MALLOC_TUNABLES}:glibc.malloc.trim_threshold=0`);
  });
});
