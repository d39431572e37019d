/**
 * What `npm pack` ships: everything a registry install needs to build the
 * addon and run the CLI, and none of the local build trees (dist/all holds
 * compiled tests and benchmarks; build/ holds this machine's objects).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
};

function packedPaths(): string[] {
  // --ignore-scripts: no `prepare` build; the list is what the files rules select.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [report] = JSON.parse(out) as { files: { path: string }[] }[];
  return report!.files.map((f) => f.path);
}

describe('npm package contents', () => {
  const paths = packedPaths();
  const has = new Set(paths);

  it('ships the sources and scripts that build the addon on install', () => {
    for (const f of ['binding.gyp', 'CMakeLists.txt', 'scripts/build-addon.mjs', 'package.json', 'README.md']) expect(has, f).toContain(f);
    for (const dir of ['native/core/src', 'native/core/include/lutmpc', 'native/addon']) {
      for (const f of readdirSync(join(root, dir))) expect(has, `${dir}/${f}`).toContain(`${dir}/${f}`);
    }
  });

  it('ships no local build trees, tests or benchmarks', () => {
    const stray = paths.filter((p) => /^(dist\/(all|src|test)\/|build\/|test\/|bench\/|node_modules\/)/.test(p));
    expect(stray).toEqual([]);
  });

  it('ships the entry points package.json names once they are built', () => {
    const entries = [pkg.main, pkg.types, ...Object.values(pkg.bin)].map((p) => p.replace(/^\.\//, ''));
    const built = entries.filter((p) => existsSync(join(root, p)));
    if (built.length < entries.length) console.warn(`package test: ${entries.length - built.length} entry point(s) not built here (npm run build:ts); checked ${built.length}`);
    for (const p of built) expect(has, p).toContain(p);
  });
});
