/**
 * bin/samsa.js runs the bundle only while it is newer than every package's build, so a
 * rebuild without re-bundling never runs stale code.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

interface EntryModule {
  chooseEntry(cliDir: URL): string;
  BUNDLE: string;
  MODULES: string;
}
const entryPath = new URL('../../bin/entry.js', import.meta.url).href;
const { chooseEntry, BUNDLE, MODULES } = (await import(entryPath)) as EntryModule;

function layout(): { root: string; cli: URL; write(rel: string, ageS: number): void } {
  const root = mkdtempSync(join(tmpdir(), 'samsa-entry-'));
  const write = (rel: string, ageS: number): void => {
    const p = join(root, 'cli', rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, '');
    const t = Date.now() / 1000 - ageS;
    utimesSync(p, t, t);
  };
  return { root, cli: pathToFileURL(join(root, 'cli') + '/'), write };
}

test('the bundle runs when it is newer than every build', () => {
  const l = layout();
  try {
    l.write('dist/tsconfig.tsbuildinfo', 60);
    l.write('../broker/dist/tsconfig.tsbuildinfo', 50);
    l.write(BUNDLE, 10);
    assert.equal(chooseEntry(l.cli), BUNDLE);
  } finally {
    rmSync(l.root, { recursive: true, force: true });
  }
});

test('the modules run when any package was built after the bundle, or there is no bundle', () => {
  const l = layout();
  try {
    l.write('dist/tsconfig.tsbuildinfo', 60);
    assert.equal(chooseEntry(l.cli), MODULES);
    l.write(BUNDLE, 30);
    l.write('../protocol/dist/tsconfig.tsbuildinfo', 5);
    assert.equal(chooseEntry(l.cli), MODULES);
  } finally {
    rmSync(l.root, { recursive: true, force: true });
  }
});
