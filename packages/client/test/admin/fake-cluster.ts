/**
 * Scripted brokers for admin tests: N fake brokers (node ids 0..N-1) that answer Metadata
 * from a small model (topics with partition leaders, a controller) and hand every other
 * request, decoded, to the test's handler. Each broker and admin client is closed by t.after.
 */
import { apis, ApiKey } from '@samsa/protocol';
import { Admin, type AdminConfig } from '../../src/index.js';
import { apiVersionsBody, BROKER_VERSIONS, FakeBroker, type Answer } from '../helpers/fake-broker.js';

export interface Seen {
  node: number;
  apiKey: number;
  version: number;
  body: Record<string, unknown> & { [k: string]: never };
}

export interface ClusterModel {
  controllerId: number;
  /** topic -> leader per partition */
  topics: Record<string, number[]>;
}

export interface FakeCluster {
  brokers: FakeBroker[];
  model: ClusterModel;
  seen: Seen[];
  count(apiKey: number, node?: number): number;
  admin(config?: Partial<AdminConfig>): Admin;
}

type Handler = (req: Seen, n: number) => { body: unknown } | 'close' | undefined;

export async function fakeCluster(t: { after(fn: () => unknown): void }, size: number, handler: Handler, model: ClusterModel = { controllerId: 0, topics: {} }, without: number[] = []): Promise<FakeCluster> {
  const seen: Seen[] = [];
  const brokers: FakeBroker[] = [];
  const metadataBody = (req: Seen): { body: unknown } => {
    const asked = (req.body['topics'] as Array<{ name: string }> | null) ?? Object.keys(model.topics).map((name) => ({ name }));
    return {
      body: {
        brokers: brokers.map((b, i) => ({ nodeId: i, host: '127.0.0.1', port: b.port })),
        controllerId: model.controllerId,
        clusterId: 'fake-cluster',
        topics: asked.map(({ name }) =>
          model.topics[name]
            ? { errorCode: 0, name, partitions: model.topics[name]!.map((leaderId, p) => ({ errorCode: 0, partitionIndex: p, leaderId, replicaNodes: [leaderId], isrNodes: [leaderId] })) }
            : { errorCode: 3, name, partitions: [] },
        ),
      },
    };
  };
  for (let node = 0; node < size; node++) {
    const b = await FakeBroker.start((req): Answer | void => {
      // `without`: APIs this broker does not advertise (an older broker).
      if (req.apiKey === ApiKey.ApiVersions) return apiVersionsBody(BROKER_VERSIONS.filter((k) => !without.includes(k.apiKey)));
      const decoded = { node, apiKey: req.apiKey, version: req.apiVersion, body: apis.get(req.apiKey)!.decodeRequest(req.body, req.apiVersion) as Seen['body'] };
      seen.push(decoded);
      const n = seen.filter((s) => s.apiKey === req.apiKey).length - 1;
      const answer = handler(decoded, n);
      if (answer) return answer;
      if (req.apiKey === ApiKey.Metadata) return metadataBody(decoded);
      return 'silent';
    });
    brokers.push(b);
    t.after(() => b.close());
  }
  return {
    brokers,
    model,
    seen,
    count: (apiKey, node) => seen.filter((s) => s.apiKey === apiKey && (node === undefined || s.node === node)).length,
    admin(config = {}) {
      const a = new Admin({ 'bootstrap.servers': `127.0.0.1:${brokers[0]!.port}`, 'retry.backoff.ms': 10, 'retry.backoff.max.ms': 50, 'request.timeout.ms': 2000, 'default.api.timeout.ms': 5000, ...config }, { random: () => 0.5 });
      t.after(() => a.close());
      return a;
    },
  };
}
