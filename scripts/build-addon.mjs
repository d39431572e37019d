#!/usr/bin/env node
// Builds the CPU addon with node-gyp against the headers of the Node that runs
// this script, so that `npm install` never downloads headers. Prints one clear
// message when the toolchain is missing; the package then still works on the
// (slow) TypeScript backend, and `lutmpc selftest` says why.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const prefix = path.resolve(process.execPath, '..', '..');
const args = ['rebuild'];
if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
else console.warn(`lutmpc: no Node headers under ${prefix}/include/node; node-gyp will use its own configuration`);

let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  // npm ships node-gyp; use npm's copy when the package is not installed on its own.
  const npmGyp = path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  gyp = existsSync(npmGyp) ? npmGyp : undefined;
}
const cmd = gyp ? process.execPath : 'node-gyp';
const res = spawnSync(cmd, gyp ? [gyp, ...args] : args, { stdio: 'inherit' });
if (res.status !== 0) {
  console.error(
    'lutmpc: building the native addon failed (needs python3, make and a C++17 compiler). ' +
      'Fix the toolchain and run `npm run build`; until then lutmpc runs on the slow TypeScript backend.',
  );
  process.exit(process.env.LUTMPC_REQUIRE_NATIVE ? 1 : 0);
}
