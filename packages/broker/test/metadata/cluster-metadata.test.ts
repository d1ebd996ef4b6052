import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterMetadata } from '../../src/metadata/cluster-metadata.js';
import { EmbeddedMetadataStore } from '../../src/metadata/embedded-store.js';
import { Keys } from '../../src/metadata/keys.js';
import type { MetadataStore, WatchEvent, WatchOptions } from '../../src/metadata/store.js';

const topic = (id: string): string => JSON.stringify({ topicId: id, replicas: [[0]] });

/**
 * The embedded store whose first watch delivers nothing and fails when told to, as an etcd
 * watch does when its history was compacted while it was reconnecting.
 */
function failingFirstWatch(store: EmbeddedMetadataStore): { store: MetadataStore; fail: () => void } {
  let onError: ((e: Error) => void) | undefined;
  let first = true;
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      if (name !== 'watch') return Reflect.get(target, name, receiver) as unknown;
      return (prefix: string, onEvent: (e: WatchEvent) => void, options?: WatchOptions) => {
        if (!first) return target.watch(prefix, onEvent, options);
        first = false;
        onError = options?.onError;
        return () => undefined;
      };
    },
  });
  return { store: proxy, fail: () => onError?.(new Error('compacted')) };
}

test('awaitRevision resolves once the view has applied a write, and times out otherwise', async () => {
  const store = await EmbeddedMetadataStore.open(null);
  const metadata = new ClusterMetadata(store);
  await metadata.start();
  const revision = await store.put(Keys.topic('a'), topic('id-a'));
  await metadata.awaitRevision(revision, 1_000);
  assert.equal(metadata.topic('a')?.topicId, 'id-a');
  await assert.rejects(metadata.awaitRevision(revision + 5, 50), /did not reach revision/);
  metadata.stop();
});

test('a watch that fails for good makes the view reload everything and report what changed', async () => {
  const store = await EmbeddedMetadataStore.open(null);
  await store.put(Keys.topic('before'), topic('id-1'));
  const broken = failingFirstWatch(store);
  const metadata = new ClusterMetadata(broken.store);
  const changes: string[][] = [];
  metadata.onChange((topics) => changes.push([...topics].sort()));
  await metadata.start();
  // Written while the first watch is dead: only the reload can find these.
  await store.delete(Keys.topic('before'));
  const revision = await store.put(Keys.topic('after'), topic('id-2'));
  assert.equal(metadata.topic('before')?.topicId, 'id-1', 'the dead watch saw nothing');
  broken.fail();
  await metadata.awaitRevision(revision, 2_000);
  assert.equal(metadata.topic('before'), null);
  assert.equal(metadata.topic('after')?.topicId, 'id-2');
  assert.deepEqual(changes, [['before'], ['after', 'before']]);
  // And the new watch follows later changes.
  const later = await store.put(Keys.topic('later'), topic('id-3'));
  await metadata.awaitRevision(later, 1_000);
  assert.equal(metadata.topic('later')?.topicId, 'id-3');
  metadata.stop();
});
