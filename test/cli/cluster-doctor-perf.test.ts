/**
 * `samsa cluster`, `samsa doctor` and `samsa perf` against a real broker: the cluster view
 * with no under-replicated or offline partitions on one healthy broker; doctor's findings
 * (replication.factor 1, unclean leader election, a lagging group) with exit 1 on errors;
 * perf produce and perf consume figures as JSON. No timing is asserted, only the figures' shape.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerFor } from '../helpers/broker-process.js';
import { killChildren } from '../helpers/child-process.js';
import { assertOneLineError, samsa, samsaOk } from './run-samsa.js';

after(killChildren);

test('cluster, doctor, perf produce and perf consume', { timeout: 180_000 }, async (t) => {
  const broker = await startBrokerFor(t);
  const b = ['--bootstrap-server', broker.current.bootstrap];

  await t.test('cluster: brokers, controller, no under-replicated or offline partitions', async () => {
    await samsaOk(['topics', 'create', 'events', '--partitions', '2', ...b]);
    const c = (await samsaOk(['cluster', '--json', ...b])).json();
    assert.equal(c.brokers.length, 1);
    assert.equal(c.brokers[0].port, broker.current.port);
    assert.equal(c.controllerId, c.brokers[0].nodeId);
    assert.ok(c.clusterId);
    assert.deepEqual([c.underReplicatedPartitions, c.offlinePartitions], [[], []]);
    const text = (await samsaOk(['cluster', ...b])).stdout;
    assert.match(text, /Under-replicated partitions: none/);
    assert.match(text, /Offline partitions: none/);
    assert.match(text, /\(controller\)/);
  });

  await t.test('doctor: findings with severity and fix; exit 1 while any is an error', async () => {
    await samsaOk(['topics', 'create', 'risky', '--config', 'unclean.leader.election.enable=true', ...b]);
    await samsaOk(['produce', 'events', ...b], { input: 'a\nb\nc\n' });
    await samsaOk(['consume', 'events', '--group', 'slow', '--from-beginning', '--count', '1', ...b], { timeoutMs: 60_000 });
    const r = await samsa(['doctor', '--json', ...b]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^samsa: \d+ finding\(s\) of severity error/);
    const { findings, summary } = r.json();
    const find = (subject: string, setting: RegExp) => findings.find((f: any) => f.subject === subject && setting.test(f.setting));
    assert.equal(find('topic events', /^replication\.factor=1$/)?.severity, 'error');
    const unclean = find('topic risky', /^unclean\.leader\.election\.enable=true \(set on the topic\)$/);
    assert.equal(unclean?.severity, 'error');
    assert.match(unclean.fix, /samsa topics alter risky --config unclean\.leader\.election\.enable=false/);
    const lag = find('group slow', /^lag 2 on 1 partition/);
    assert.equal(lag?.severity, 'warning');
    assert.match(lag.problem, /enable\.auto\.commit/);
    assert.equal(summary.errors, findings.filter((f: any) => f.severity === 'error').length);
    for (const f of findings) assert.ok(f.fix.length > 0 && f.problem.length > 0);
    const text = await samsa(['doctor', ...b]);
    assert.match(text.stdout, /^ERROR\s+topic risky: unclean\.leader\.election\.enable=true/m);
    assert.match(text.stdout, /fix: samsa topics alter risky --config unclean\.leader\.election\.enable=false/);
  });

  await t.test('perf produce and perf consume report records/s, MB/s and latency percentiles', async () => {
    await samsaOk(['topics', 'create', 'perf', '--partitions', '2', ...b]);
    const p = (await samsaOk(['perf', 'produce', '--topic', 'perf', '--num-records', '5000', '--record-size', '200', '--acks', '1', '--linger-ms', '2', '--json', ...b], { timeoutMs: 60_000 })).json();
    assert.equal(p.records, 5000);
    assert.equal(p.failed, 0);
    assert.ok(p.recordsPerSec > 0 && p.MBps > 0);
    const l = p.latencyMs;
    assert.equal(l.count, 5000);
    assert.ok(l.p50Ms <= l.p95Ms && l.p95Ms <= l.p99Ms && l.p99Ms <= l.p999Ms && l.p999Ms <= l.maxMs * 1.001, JSON.stringify(l));
    const c = (await samsaOk(['perf', 'consume', '--topic', 'perf', '--num-records', '5000', '--json', ...b], { timeoutMs: 60_000 })).json();
    assert.equal(c.records, 5000);
    assert.equal(c.bytes, 5000 * 200);
    assert.ok(c.recordsPerSec > 0);
    assert.ok(c.recordAgeMs.p50Ms >= 0 && c.recordAgeMs.maxMs >= c.recordAgeMs.p50Ms);
    const human = await samsaOk(['perf', 'produce', '--topic', 'perf', '--duration', '500ms', '--throughput', '2000', ...b], { timeoutMs: 60_000 });
    assert.match(human.stdout, /^\d+ records sent, \d+ records\/sec \([\d.]+ MB\/sec\) in [\d.]+ s\nlatency ms: avg [\d.]+, p50 [\d.]+, p95 [\d.]+, p99 [\d.]+, p99\.9 [\d.]+, max [\d.]+\n$/);
    const sent = Number(/^(\d+) records sent/.exec(human.stdout)![1]);
    assert.ok(sent <= 1100, `--throughput 2000 for 0.5 s sent ${sent} records`);
    // --producers: worker threads with their own connections; the records split among them, the figures of them all.
    const many = (await samsaOk(['perf', 'produce', '--topic', 'perf', '--num-records', '5001', '--record-size', '100', '--producers', '3', '--acks', '1', '--json', ...b], { timeoutMs: 60_000 })).json();
    assert.equal(many.records, 5001);
    assert.equal(many.sent, 5001);
    assert.equal(many.failed, 0);
    assert.equal(many.settings.producers, 3);
    assert.equal(many.latencyMs.count, 5001, 'the three histograms merged');
    assert.ok(many.recordsPerSec > 0 && many.latencyMs.p50Ms <= many.latencyMs.maxMs * 1.001);
    const manyHuman = await samsaOk(['perf', 'produce', '--topic', 'perf', '--duration', '500ms', '--throughput', '2000', '--producers', '2', ...b], { timeoutMs: 60_000 });
    const manySent = Number(/^(\d+) records sent, \d+ records\/sec \([\d.]+ MB\/sec\) in [\d.]+ s by 2 producers\n/.exec(manyHuman.stdout)?.[1]);
    assert.ok(manySent > 0 && manySent <= 1100, `--throughput 2000 split over 2 producers for 0.5 s sent ${manySent} records: ${manyHuman.stdout}`);
    assertOneLineError(await samsa(['perf', 'produce', '--topic', 'perf', '--num-records', '2', '--producers', '3', ...b]), 2, /fewer than --producers 3/);
    assertOneLineError(await samsa(['perf', 'produce', '--topic', 'perf', '--num-records', '10', '--producers', '0', ...b]), 2, /--producers/);
    assertOneLineError(await samsa(['perf', 'produce', '--topic', 'perf', ...b]), 2, /either --num-records N or --duration TIME/);
    assertOneLineError(await samsa(['perf', 'produce', '--topic', 'perf', '--duration', 'soon', ...b]), 2, /30s, 500ms or 2m/);
  });
});
