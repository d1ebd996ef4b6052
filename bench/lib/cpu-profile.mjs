/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function, largest first, as a
 * share of the time the process was not idle.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

export function summarizeProfile(file, { top = 25, root = process.cwd() } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodeById.get(id).callFrame;
    totalUs += us;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = url ? `${url.startsWith('file://') ? relative(root, new URL(url).pathname) : url}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file,
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    top: rows.map(([fn, us]) => ({ function: fn, selfMs: Math.round(us / 1000), pctOfBusy: Math.round((us / busyUs) * 1000) / 10 })),
  };
}
