#!/usr/bin/env node
// `npm test` runs this first. The interop tests drive real third-party clients (kcat,
// librdkafka through python3-confluent-kafka, kafka-python) that come from Debian's packages,
// and the metadata store tests run a real etcd (etcd-server, 3.4 on Debian 12); the client's
// dedup stores are tested against a real Redis (redis-server) and PostgreSQL (postgresql).
// As root we install what is missing; otherwise we stop at once and name the command.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/** package -> how to tell it is installed */
const NEEDED = [
  { pkg: 'kcat', present: () => existsSync('/usr/bin/kcat') },
  { pkg: 'etcd-server', present: () => existsSync('/usr/bin/etcd') },
  { pkg: 'redis-server', present: () => existsSync('/usr/bin/redis-server') },
  { pkg: 'postgresql', present: () => postgresInstalled() },
  { pkg: 'python3-confluent-kafka', present: () => pythonHas('confluent_kafka') },
  { pkg: 'python3-kafka', present: () => pythonHas('kafka') },
  // kafka-python's compression codecs
  { pkg: 'python3-snappy', present: () => pythonHas('snappy') },
  { pkg: 'python3-lz4', present: () => pythonHas('lz4.frame') },
  { pkg: 'python3-zstandard', present: () => pythonHas('zstandard') },
];

function postgresInstalled() {
  // test/helpers/postgres-process.ts runs initdb and postgres from /usr/lib/postgresql/<version>/bin.
  try {
    return readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`) && existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));
  } catch {
    return false;
  }
}

function pythonHas(module) {
  // Debian's python3 (not the one first on PATH) is the one that sees python3-* packages.
  if (!existsSync('/usr/bin/python3')) return false;
  return spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

// The fault suite (`npm run test:fault`) puts each broker in a network namespace and cuts it
// off with iptables: it needs `ip` (iproute2), `iptables` and root.
if (process.argv.includes('--fault')) {
  NEEDED.push({ pkg: 'iproute2', present: () => existsSync('/usr/sbin/ip') || existsSync('/sbin/ip') });
  NEEDED.push({ pkg: 'iptables', present: () => existsSync('/usr/sbin/iptables') || existsSync('/sbin/iptables') });
  if (process.getuid?.() !== 0) {
    console.error('npm run test:fault creates network namespaces and iptables rules: run it as root');
    process.exit(1);
  }
}

const missing = NEEDED.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
if (process.getuid?.() !== 0) {
  console.error(`npm test needs these system packages: ${missing.join(', ')}\nInstall them with:\n  sudo apt-get update && sudo ${command}`);
  process.exit(1);
}
console.log(`installing test tools: ${missing.join(', ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (cmd) => spawnSync('sh', ['-c', cmd], { stdio: ['ignore', 'inherit', 'inherit'], env }).status === 0;
if (!run(command) && !(run('apt-get update') && run(command))) {
  console.error(`could not install ${missing.join(', ')}; try: apt-get update && ${command}`);
  process.exit(1);
}
const still = NEEDED.filter((n) => !n.present()).map((n) => n.pkg);
if (still.length) {
  console.error(`installed, but still not usable: ${still.join(', ')}`);
  process.exit(1);
}
