/**
 * Issue 5's client goals, read from one run of bench/client.mjs: at least 1,000,000 records/s
 * produced by one process at acks=1 (100-byte records), and at least 2x kafkajs and 1.2x
 * @platformatic/kafka on both produce and consume. Ratios compare rows of the same run, so
 * the shared machine's noise hits both sides of each ratio alike (more or less: a row marked
 * disturbed had other processes busy meanwhile). Each ratio also shows the clients' CPU per
 * record the other way round (theirs / ours): on a busy machine it moves far less than
 * records/s, which depend on how much of the cores each client got.
 */
const RECORDS_PER_SEC_GOAL = 1_000_000;
const RATIO_GOALS = { kafkajs: 2, platformatic: 1.2 };

/** One line per goal: { name, value, unit, target, pass, disturbed }. */
export function clientGoals({ produce, consume, partitions, ours = ['samsa', 'samsa-64k'] }) {
  const goals = [];
  const rowOf = (rows, q) => rows.find((r) => r.recordsPerSec !== undefined && Object.entries(q).every(([k, v]) => r[k] === v));
  for (const client of ours) {
    const row = rowOf(produce, { client, acks: 1, partitions });
    if (row) goals.push({ name: `${client} produce, acks=1, ${partitions} partitions`, value: row.recordsPerSec, unit: 'records/s', target: `>= ${RECORDS_PER_SEC_GOAL.toLocaleString('en-US')}`, pass: row.recordsPerSec >= RECORDS_PER_SEC_GOAL, disturbed: row.disturbed });
  }
  const ratio = (name, a, b, other) => {
    if (!a || !b) return;
    const value = Math.round((a.recordsPerSec / b.recordsPerSec) * 100) / 100;
    const cpuPerRecordRatio = a.clientCpuUsPerRecord && b.clientCpuUsPerRecord ? Math.round((b.clientCpuUsPerRecord / a.clientCpuUsPerRecord) * 100) / 100 : null;
    goals.push({ name, value, unit: 'x', target: `>= ${RATIO_GOALS[other]}`, pass: value >= RATIO_GOALS[other], cpuPerRecordRatio, disturbed: a.disturbed || b.disturbed });
  };
  for (const client of ours) {
    for (const acks of [1, -1]) {
      for (const other of Object.keys(RATIO_GOALS)) {
        ratio(`${client}/${other} produce, acks=${acks === 1 ? 1 : 'all'}, ${partitions} partitions`, rowOf(produce, { client, acks, partitions }), rowOf(produce, { client: other, acks, partitions }), other);
      }
    }
  }
  for (const other of Object.keys(RATIO_GOALS)) ratio(`samsa/${other} consume`, rowOf(consume, { client: 'samsa' }), rowOf(consume, { client: other }), other);
  return goals;
}

export function printGoals(goals) {
  console.log(`\n${'goal (issue 5)'.padEnd(52)} ${'measured'.padStart(10)}            target         cpu/record, theirs/ours`);
  for (const g of goals) {
    const cpu = g.cpuPerRecordRatio ? `${g.cpuPerRecordRatio}x` : '';
    console.log(`${g.name.padEnd(52)} ${String(g.value).padStart(10)} ${g.unit.padEnd(9)} ${g.target.padStart(11)}  ${g.pass ? 'PASS ' : 'below'}  ${cpu.padStart(8)}${g.disturbed ? '  (disturbed)' : ''}`);
  }
}
