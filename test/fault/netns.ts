/**
 * One network namespace per broker, so a broker can be cut off from everything for real
 * (its TCP connections stall, as in a network partition, rather than close):
 *
 *     root namespace: bridge samsaf-br 10.231.0.1/24 (etcd and the clients live here)
 *       veth samsaf-vN  <->  eth0 in namespace samsa-fault-N, 10.231.0.(10+N)/24
 *
 * A bridge, not routing, joins them: bridged traffic needs no ip_forward and no change to the
 * root namespace's firewall. Cutting broker N off is two iptables DROP rules inside its
 * namespace (everything in and out except loopback); healing flushes them. The names are
 * fixed so that `removeLeftovers` can clean up after a run that crashed: two fault runs on
 * one host at the same time would collide.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const BRIDGE = 'samsaf-br';
export const BRIDGE_ADDRESS = '10.231.0.1';
const NS_PREFIX = 'samsa-fault-';
const COMMAND_TIMEOUT_MS = 10_000;

export function namespaceOf(n: number): string {
  return `${NS_PREFIX}${n}`;
}

export function addressOf(n: number): string {
  return `10.231.0.${10 + n}`;
}

async function sh(cmd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { timeout: COMMAND_TIMEOUT_MS });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

async function quietly(cmd: string, args: string[]): Promise<void> {
  await sh(cmd, args).catch(() => undefined);
}

/** `ip netns exec NS ...`: the argv prefix that runs a command inside broker N's namespace. */
export function inNamespace(n: number, argv: readonly string[]): string[] {
  return ['netns', 'exec', namespaceOf(n), ...argv];
}

/**
 * Removes what an earlier run left behind: the processes still in our namespaces (by pid,
 * as `ip netns pids` lists them), the namespaces (their veth ends go with them) and the bridge.
 */
export async function removeLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  const names = (await sh('ip', ['netns', 'list']))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(NS_PREFIX));
  for (const ns of names) {
    const pids = (await sh('ip', ['netns', 'pids', ns]).catch(() => '')).split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await quietly('ip', ['netns', 'del', ns]);
    removed.push(pids.length ? `${ns} (killed ${pids.join(', ')})` : ns);
  }
  for (const link of await linkNames()) {
    if (link === BRIDGE || link.startsWith('samsaf-v')) {
      await quietly('ip', ['link', 'del', link]);
      removed.push(link);
    }
  }
  return removed;
}

async function linkNames(): Promise<string[]> {
  const out = await sh('ip', ['-o', 'link', 'show']);
  return out
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
    .filter((x): x is string => !!x);
}

/** Creates the bridge and a namespace for each broker id in `ids`. */
export async function createNetwork(ids: readonly number[]): Promise<void> {
  await sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  await sh('ip', ['addr', 'add', `${BRIDGE_ADDRESS}/24`, 'dev', BRIDGE]);
  await sh('ip', ['link', 'set', BRIDGE, 'up']);
  for (const n of ids) {
    const ns = namespaceOf(n);
    const veth = `samsaf-v${n}`;
    await sh('ip', ['netns', 'add', ns]);
    await sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await sh('ip', ['link', 'set', veth, 'master', BRIDGE]);
    await sh('ip', ['link', 'set', veth, 'up']);
    await sh('ip', ['-n', ns, 'addr', 'add', `${addressOf(n)}/24`, 'dev', 'eth0']);
    await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
}

/** Drops every packet into and out of broker N's namespace, except on loopback. */
export async function cut(n: number): Promise<void> {
  await sh('ip', inNamespace(n, ['iptables', '-A', 'INPUT', '!', '-i', 'lo', '-j', 'DROP']));
  await sh('ip', inNamespace(n, ['iptables', '-A', 'OUTPUT', '!', '-o', 'lo', '-j', 'DROP']));
}

export async function heal(n: number): Promise<void> {
  await sh('ip', inNamespace(n, ['iptables', '-F', 'INPUT']));
  await sh('ip', inNamespace(n, ['iptables', '-F', 'OUTPUT']));
}

export async function removeNetwork(ids: readonly number[]): Promise<void> {
  for (const n of ids) await quietly('ip', ['netns', 'del', namespaceOf(n)]);
  await quietly('ip', ['link', 'del', BRIDGE]);
}
