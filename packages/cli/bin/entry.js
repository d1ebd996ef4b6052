// Which build of the command to run. The bundle (scripts/bundle-cli.mjs) starts a broker in
// about half the time of the separate modules, but it is used only while it is newer than
// every package's build: running `tsc -b` without bundling again runs the modules just built,
// never stale code. A build file that is missing (an installed package) does not count.
import { statSync } from 'node:fs';

export const BUNDLE = 'dist/samsa.bundle.mjs';
export const MODULES = 'dist/src/main.js';
const BUILDS = ['dist/tsconfig.tsbuildinfo', '../protocol/dist/tsconfig.tsbuildinfo', '../client/dist/tsconfig.tsbuildinfo', '../broker/dist/tsconfig.tsbuildinfo'];

function mtimeMs(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return -1;
  }
}

/** The entry module to import, relative to `cliDir` (the URL of packages/cli/). */
export function chooseEntry(cliDir) {
  const bundleMs = mtimeMs(new URL(BUNDLE, cliDir));
  const fresh = bundleMs > 0 && BUILDS.every((b) => mtimeMs(new URL(b, cliDir)) <= bundleMs);
  return fresh ? BUNDLE : MODULES;
}
