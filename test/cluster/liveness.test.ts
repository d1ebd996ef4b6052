/**
 * The liveness probes (controller/liveness-probe.ts): a killed broker is proved dead from
 * its closed connection and refused reconnect, long before its session lease would expire;
 * a paused or isolated broker proves nothing and is left to its lease, as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajsModule from 'kafkajs';
import type { Cluster, ClusterBroker } from '@samsa/testing';
import { cluster, replicatedTopic } from './fixture.js';

const { Kafka, logLevel } = kafkajsModule;

/** A lease this long never expires within these tests' bounds: only a probe can end it. */
const LONG_SESSION = { 'broker.session.timeout.ms': '10000' };

function others(c: Cluster, id: number): ClusterBroker[] {
  return c.brokers.filter((b) => b.nodeId !== id);
}

async function newLeader(c: Cluster, topic: string, old: number, timeoutMs: number): Promise<number> {
  const s = await c.waitFor(`a new leader of ${topic}-0`, async () => {
    const st = await c.partitionState(topic, 0);
    return st && st.leader >= 0 && st.leader !== old ? st : null;
  }, timeoutMs);
  return s.leader;
}

function registered(c: Cluster, by: ClusterBroker, id: number): boolean {
  return by.broker.services.metadata.brokers.has(id);
}

test('a killed leader (not the controller) is replaced within 2 s although broker.session.timeout.ms is 10 s; kafkajs acks=all produce goes on', async (t) => {
  const c = await cluster(t, { config: LONG_SESSION });
  const controller = c.controller()!;
  const victim = others(c, controller.nodeId)[0]!;
  await replicatedTopic(c, 'probed', 3, { 'min.insync.replicas': '2' }, [victim.nodeId, ...others(c, victim.nodeId).map((b) => b.nodeId)]);

  const kafka = new Kafka({ clientId: 'liveness-test', brokers: [controller.address], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 200 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  await producer.send({ topic: 'probed', acks: -1, messages: [{ value: 'before' }] });

  const killedAt = performance.now();
  await victim.kill();
  const leader = await newLeader(c, 'probed', victim.nodeId, 2_000);
  const electedMs = performance.now() - killedAt;
  const [ack] = await producer.send({ topic: 'probed', acks: -1, messages: [{ value: 'after' }] });
  const ackedMs = performance.now() - killedAt;
  t.diagnostic(`broker ${victim.nodeId} killed: broker ${leader} leads after ${electedMs.toFixed(0)} ms, kafkajs acks=all acknowledged after ${ackedMs.toFixed(0)} ms`);
  assert.equal(ack!.errorCode, 0);
  assert.equal(ack!.baseOffset, '1', 'the record before the kill kept its place');
  assert.ok(ackedMs < 5_000, `kafkajs waited ${ackedMs} ms`);
  const proof = controller.broker.livenessProbes.provedDead.find((d) => d.nodeId === victim.nodeId);
  assert.ok(proof, 'the controller proved the killed broker dead');
  assert.match(proof.reason, /refused/);
  assert.equal(registered(c, controller, victim.nodeId), false, 'its registration is gone');

  // A restart is a new incarnation with a new lease: it registers and rejoins the ISR.
  await victim.restart();
  await c.waitFor('the restarted broker back in the ISR', async () => (await c.partitionState('probed', 0))?.isr.length === 3, 10_000);
});

test('a killed controller that leads a partition: the other brokers prove it dead, a new controller elects a new leader within 2 s', async (t) => {
  const c = await cluster(t, { config: LONG_SESSION });
  const controller = c.controller()!;
  const rest = others(c, controller.nodeId);
  await replicatedTopic(c, 'ctl', 3, { 'min.insync.replicas': '2' }, [controller.nodeId, ...rest.map((b) => b.nodeId)]);
  const killedAt = performance.now();
  await controller.kill();
  const next = await c.waitFor('a new controller', () => {
    const now = c.controller();
    return now && now !== controller ? now : null;
  }, 2_000);
  const leader = await newLeader(c, 'ctl', controller.nodeId, 2_000);
  t.diagnostic(`controller ${controller.nodeId} killed: broker ${next.nodeId} controls, broker ${leader} leads ctl-0 after ${(performance.now() - killedAt).toFixed(0)} ms`);
  assert.equal(leader, rest[0]!.nodeId, 'the next replica in AR order');
  assert.ok(rest.some((b) => b.broker.livenessProbes.provedDead.some((d) => d.nodeId === controller.nodeId)));
});

/**
 * Pausing stops a broker's reads and answers but keeps its sockets open, as SIGSTOP or a long
 * GC pause does: its probe connection goes silent, which proves nothing. The probes ask every
 * 100 ms here, so many go unanswered. A lease ends between 2/3 of its TTL and its TTL after
 * the pause (keep-alives go every TTL/3), so "not before" is checked at SAFE_MS.
 */
const PROBED_OFTEN = { 'broker.heartbeat.interval.ms': '100' };
test('a paused broker (leader, then controller) is not declared dead before broker.session.timeout.ms; its lease still ends it after', async (t) => {
  const sessionMs = 3_000;
  const safeMs = (sessionMs * 2) / 3 - 200;
  const c = await cluster(t, { config: { 'broker.session.timeout.ms': String(sessionMs), ...PROBED_OFTEN } });
  const controller = c.controller()!;
  const victim = others(c, controller.nodeId)[0]!;
  await replicatedTopic(c, 'paused', 3, {}, [victim.nodeId, ...others(c, victim.nodeId).map((b) => b.nodeId)]);

  const pausedAt = performance.now();
  victim.pause();
  await new Promise((r) => setTimeout(r, safeMs));
  assert.equal(registered(c, controller, victim.nodeId), true, 'still registered while its lease lasts');
  assert.equal((await c.partitionState('paused', 0))!.leader, victim.nodeId, 'still the leader while its lease lasts');
  await newLeader(c, 'paused', victim.nodeId, 5_000);
  const movedMs = performance.now() - pausedAt;
  t.diagnostic(`paused leader replaced after ${movedMs.toFixed(0)} ms (session ${sessionMs} ms)`);
  assert.ok(movedMs >= safeMs, `moved after ${movedMs} ms, before the lease could expire`);
  assert.deepEqual(controller.broker.livenessProbes.provedDead, [], 'no probe declared it dead');
  victim.resume();
  await c.waitFor('the resumed broker registered again', () => registered(c, controller, victim.nodeId), 5_000);

  // The controller paused: the other brokers probe it, and must wait for its lease too.
  const ctlPausedAt = performance.now();
  controller.pause();
  await new Promise((r) => setTimeout(r, safeMs));
  assert.equal(c.controller(), controller, 'still the controller while its lease lasts');
  const next = await c.waitFor('a new controller', () => {
    const now = c.controller();
    return now && now !== controller ? now : null;
  }, 5_000);
  const ctlMs = performance.now() - ctlPausedAt;
  t.diagnostic(`paused controller replaced by ${next.nodeId} after ${ctlMs.toFixed(0)} ms`);
  assert.ok(ctlMs >= safeMs, `controller replaced after ${ctlMs} ms`);
  for (const b of others(c, controller.nodeId)) assert.deepEqual(b.broker.livenessProbes.provedDead, []);
  controller.resume();
});

test('an isolated broker (clients still served, cut from the store and the other brokers) is not declared dead before its session timeout', async (t) => {
  const sessionMs = 3_000;
  const safeMs = (sessionMs * 2) / 3 - 200;
  const c = await cluster(t, { config: { 'broker.session.timeout.ms': String(sessionMs), ...PROBED_OFTEN } });
  const controller = c.controller()!;
  const victim = others(c, controller.nodeId)[0]!;
  const isolatedAt = performance.now();
  victim.isolate();
  await new Promise((r) => setTimeout(r, safeMs));
  assert.equal(registered(c, controller, victim.nodeId), true, 'still registered while its lease lasts');
  await c.waitFor('the isolated broker unregistered by its lease', () => !registered(c, controller, victim.nodeId), 5_000);
  const goneMs = performance.now() - isolatedAt;
  assert.ok(goneMs >= safeMs, `unregistered after ${goneMs} ms`);
  assert.deepEqual(controller.broker.livenessProbes.provedDead, []);
  victim.heal();
  await c.waitFor('the healed broker registered again', () => registered(c, controller, victim.nodeId), 5_000);
});
