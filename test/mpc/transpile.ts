/**
 * Child processes cannot run TypeScript on Node 20 (no type stripping, no tsx
 * dependency). Before forking, tests transpile src/ once per test file with
 * the installed TypeScript compiler (types erased only; the type check is
 * `npm run typecheck`) into a temporary directory mirroring src/, and fork
 * the plain .js party entry from there. Nothing is written into the
 * repository (dist/ stays the lead's build output).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function walk(dir: string, out: string[]): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Transpile src/ into a fresh temp dir; returns {dir, entry(rel), cleanup}. */
export function transpileSrc(): { dir: string; entry: (rel: string) => string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lutmpc-src-'));
  const srcRoot = path.join(ROOT, 'src');
  for (const f of walk(srcRoot, [])) {
    const rel = path.relative(srcRoot, f);
    const out = ts.transpileModule(fs.readFileSync(f, 'utf8'), {
      fileName: f,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true },
    });
    const dest = path.join(dir, 'src', rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, out.outputText);
  }
  // Same package name and a link to build/, so the children load the native addon like the parent.
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'lutmpc', type: 'module' }));
  if (fs.existsSync(path.join(ROOT, 'build'))) fs.symlinkSync(path.join(ROOT, 'build'), path.join(dir, 'build'), 'dir');
  if (fs.existsSync(path.join(ROOT, 'node_modules'))) fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return {
    dir,
    entry: (rel) => path.join(dir, 'src', rel),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
