/**
 * Process entry of one role: `node role-main.js ROLE CONFIG` (forked by the
 * local launcher; `lutmpc serve --role` does the same in the CLI). SIGTERM
 * and SIGINT run the graceful shutdown (so do the launcher's stop request
 * and the launcher going away, for a forked role); the same signal a second
 * time (a second Ctrl-C) exits at once.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, ROLES, type Role } from './config.js';
import { startRole, type RoleHandle } from './server.js';
import { stopHandler, type StopOrigin } from './signals.js';

/**
 * Start a role and install the signal handlers; resolves with its handle.
 * A role forked with an IPC channel (serve --local) also shuts down when the
 * channel closes: its parent exited, even by SIGKILL, which sends no signal here.
 */
/** The message a launcher sends a forked role to stop it gracefully (local.ts). */
export const STOP_MESSAGE = { lutmpc: 'stop' } as const;

export async function runRole(role: Role, configFile: string, graceMs = 10_000): Promise<RoleHandle> {
  const forked = process.channel !== undefined; // read now: a disconnect during start-up clears it
  const cfg = loadConfig(configFile, role);
  const h = await startRole(cfg, role);
  // Duplicates (the launcher's stop after the terminal's Ctrl-C, a relayed signal) must not cut the grace short.
  const graceful = (sig: StopOrigin): void => {
    void h.close(graceMs).then(
      () => process.exit(0),
      (e: Error) => {
        process.stderr.write(`shutdown after ${sig} failed: ${e.message}\n`);
        process.exit(1);
      },
    );
  };
  const onSignal = stopHandler(graceful, () => process.exit(130));
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (forked) {
    process.on('message', (m: unknown) => {
      if ((m as { lutmpc?: string } | null)?.lutmpc === STOP_MESSAGE.lutmpc) onSignal('launcher');
    });
    const gone = (): void => {
      process.stderr.write(`${role}: the launching process is gone; shutting down\n`);
      onSignal('disconnect');
    };
    if (process.connected) process.once('disconnect', gone);
    else gone();
  }
  return h;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [role, file] = process.argv.slice(2) as [Role, string];
  if (!ROLES.includes(role) || !file) {
    process.stderr.write('usage: role-main.js dealer|p1|p2 CONFIG.json\n');
    process.exit(2);
  }
  runRole(role, file).catch((e: Error) => {
    process.stderr.write(`${role}: ${e.message}\n`);
    process.exit(1);
  });
}
