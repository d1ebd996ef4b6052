// What a bench result file records about the run: the machine, Node, the commit, how many
// files under `watchedDir` (relative to the repository) were uncommitted, and the load
// average when it started, so figures from different runs can be told apart.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function machineNote(watchedDir, note) {
  const git = (...args) => spawnSync('git', args, { cwd: REPO, encoding: 'utf8' }).stdout?.trim() ?? '';
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    commit: git('rev-parse', '--short', 'HEAD'),
    watchedDir,
    uncommittedFiles: git('status', '--porcelain', '--', watchedDir).split('\n').filter(Boolean).length,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    note,
  };
}
