/** A one-line progress bar on stderr (only when stderr is a terminal; JSON stays alone on stdout). */
export type Progress = (label: string, done: number, total: number) => void;

export function stderrProgress(): Progress {
  if (!process.stderr.isTTY) return () => undefined;
  let last = 0;
  return (label, done, total) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    const w = 30;
    const f = total > 0 ? Math.round((w * done) / total) : w;
    process.stderr.write(`\r${label} [${'#'.repeat(f)}${'.'.repeat(w - f)}] ${done}/${total}` + (done >= total ? '\n' : ''));
  };
}
