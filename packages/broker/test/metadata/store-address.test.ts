import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBrokerConfig } from '../../src/config/broker-config.js';
import { parseStoreAddress } from '../../src/metadata/store-address.js';

test('metadata.store.connect is embedded by default, or etcd endpoints with an optional key prefix', () => {
  assert.deepEqual(buildBrokerConfig(new Map()).metadataStore, { kind: 'embedded' });
  assert.equal(buildBrokerConfig(new Map()).brokerSessionTimeoutMs, 9000);
  assert.deepEqual(parseStoreAddress('etcd://127.0.0.1:2379'), { kind: 'etcd', endpoints: ['127.0.0.1:2379'], prefix: '' });
  assert.deepEqual(parseStoreAddress('etcd://a:1,b:2/cluster-a/'), { kind: 'etcd', endpoints: ['a:1', 'b:2'], prefix: '/cluster-a' });
  assert.deepEqual(parseStoreAddress('etcd://[::1]:2379/x/y'), { kind: 'etcd', endpoints: ['[::1]:2379'], prefix: '/x/y' });
});

test('a malformed metadata.store.connect is refused when the configuration is built', () => {
  assert.throws(() => buildBrokerConfig(new Map([['metadata.store.connect', 'zk://a:1']])), /neither embedded nor etcd:\/\//);
  assert.throws(() => buildBrokerConfig(new Map([['metadata.store.connect', 'etcd://a']])), /etcd endpoint "a" in etcd:\/\/a is not host:port/);
  assert.throws(() => buildBrokerConfig(new Map([['metadata.store.connect', 'etcd://a:1,b:99999']])), /"b:99999"/);
  assert.throws(() => buildBrokerConfig(new Map([['metadata.store.connect', 'etcd:///prefix']])), /is not etcd:\/\/host:port/);
  assert.throws(() => buildBrokerConfig(new Map([['broker.session.timeout.ms', '10']])), /must be at least 1000/);
});
