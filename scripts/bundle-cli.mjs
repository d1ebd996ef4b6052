#!/usr/bin/env node
// Bundles the `samsa` command (packages/cli/dist, built by tsc -b) into one ES module.
// Why: Node 20 loads ESM modules one by one (resolve, read, compile, link); the broker's ~260
// modules cost ~350 ms of CPU before the first line of our code ran, more than the whole
// startup budget. One file loads in about a third of that. Only our workspace packages are
// bundled: third-party packages (pino, commander, the native codecs) stay in node_modules,
// loaded as they are, so nothing that depends on its own file layout breaks.
// bin/samsa.js uses the bundle only while it is newer than every package's build.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const keepThirdPartyExternal = {
  name: 'third-party-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@samsa/') ? undefined : { path: args.path, external: true }));
  },
};

await build({
  entryPoints: [`${root}packages/cli/dist/src/main.js`],
  outfile: `${root}packages/cli/dist/samsa.bundle.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [keepThirdPartyExternal],
});
