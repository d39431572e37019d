/**
 * Process entry of one role: `node role-main.js ROLE CONFIG` (forked by the
 * local launcher; `lutmpc serve --role` does the same in the CLI). SIGTERM
 * and SIGINT run the graceful shutdown; a second signal exits at once. A
 * forked role also shuts down when its parent goes away.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, ROLES, type Role } from './config.js';
import { startRole, type RoleHandle } from './server.js';

/** Start a role and install the signal handlers; resolves with its handle. */
export async function runRole(role: Role, configFile: string, graceMs = 10_000): Promise<RoleHandle> {
  const cfg = loadConfig(configFile, role);
  const h = await startRole(cfg, role);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
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
  return h;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [role, file] = process.argv.slice(2) as [Role, string];
  if (!ROLES.includes(role) || !file) {
    process.stderr.write('usage: role-main.js dealer|p1|p2 CONFIG.json\n');
    process.exit(2);
  }
  const started = runRole(role, file);
  started.catch((e: Error) => {
    process.stderr.write(`${role}: ${e.message}\n`);
    process.exit(1);
  });
  // Forked with an IPC channel (serve --local): the channel closes when the parent exits, even by
  // SIGKILL, which sends no signal here. Shut down gracefully then instead of outliving it.
  if (process.channel) {
    process.once('disconnect', () => {
      process.stderr.write(`${role}: the launching process is gone; shutting down\n`);
      void started.then((h) => h.close(10_000)).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}
