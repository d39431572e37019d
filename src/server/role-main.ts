/**
 * Process entry of one role: `node role-main.js ROLE CONFIG` (forked by the
 * local launcher; `lutmpc serve --role` does the same in the CLI). SIGTERM
 * and SIGINT run the graceful shutdown (so does the parent going away, for a
 * forked role); a second signal exits at once.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, ROLES, type Role } from './config.js';
import { startRole, type RoleHandle } from './server.js';

/**
 * Start a role and install the signal handlers; resolves with its handle.
 * A role forked with an IPC channel (serve --local) also shuts down when the
 * channel closes: its parent exited, even by SIGKILL, which sends no signal here.
 */
export async function runRole(role: Role, configFile: string, graceMs = 10_000): Promise<RoleHandle> {
  const forked = process.channel !== undefined; // read now: a disconnect during start-up clears it
  const cfg = loadConfig(configFile, role);
  const h = await startRole(cfg, role);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals | 'disconnect'): void => {
    if (++signals > 1) process.exit(130);
    void h.close(graceMs).then(
      () => process.exit(0),
      (e: Error) => {
        process.stderr.write(`shutdown after ${sig} failed: ${e.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (forked) {
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
