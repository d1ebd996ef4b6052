/**
 * Hostile bytes close only their own connection, with the reason in the broker log: a
 * garbage frame, a frame length over socket.request.max.bytes (set small here), a negative
 * frame length, and a request whose body ends early. Meanwhile kafkajs keeps producing and
 * consuming on its own connections, and a bystander raw connection opened before the bad
 * input still gets answers after it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { ApiKey, ApiVersions, Produce, buildRecordBatch } from '@samsa/protocol';
import { waitForOutput } from '../helpers/broker-process.js';
import { sleep } from '../helpers/child-process.js';
import { RawConnection, requestFrame } from '../helpers/raw-connection.js';
import type { ClientDriver, TestRecord } from './clients/driver.js';
import { kafkajsDriver } from './clients/kafkajs.js';
import { useBroker } from './fixture.js';
import { expectRecords } from './records.js';

const MAX_REQUEST_BYTES = 102_400;

describe('bad input against the broker process', () => {
  let good: ClientDriver | undefined;
  let bystander: RawConnection | undefined;
  after(async () => {
    bystander?.destroy();
    await good?.close();
  });
  // socket.request.max.bytes may not be below message.max.bytes: lower both.
  const broker = useBroker({ overrides: { 'socket.request.max.bytes': MAX_REQUEST_BYTES, 'message.max.bytes': MAX_REQUEST_BYTES } });
  let correlationId = 9000;

  before(async () => {
    good = kafkajsDriver(broker().bootstrap);
    await good.createTopic('bad-input-good', 1);
    bystander = await RawConnection.connect(broker().port);
  });

  /**
   * Runs `bad` while kafkajs produces a record every 10 ms, then checks every one of them
   * was acknowledged in order and reads back, and the bystander connection still answers.
   */
  async function whileGoodClientWorks(t: TestContext, bad: () => Promise<void>): Promise<void> {
    const d = good!;
    const topic = 'bad-input-good';
    const { latest: firstOffset } = await d.listOffsets(topic, 0);
    const sent: TestRecord[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) {
        const r: TestRecord = { key: `${t.name}-${sent.length}`, value: `still fine ${sent.length}`, headers: [] };
        const [offset] = (await d.produce(topic, [r], { partition: 0, codec: 'none', acks: -1 }))!;
        assert.equal(offset, firstOffset + sent.length, 'the good producer gets consecutive offsets');
        sent.push(r);
        await sleep(10);
      }
    })();
    const startedMs = Date.now();
    try {
      await bad();
      // The good producer must keep going after the bad input too.
      const target = sent.length + 3;
      const deadline = Date.now() + 10_000;
      while (sent.length < target && Date.now() < deadline) await sleep(10);
      assert.ok(sent.length >= target, `the good producer kept going after the bad input (${sent.length} records)`);
    } finally {
      stop = true;
      await loop;
    }
    expectRecords(await d.consume(topic, 0, { kind: 'offset', offset: firstOffset }, sent.length), sent, {
      firstOffset,
      notBeforeMs: startedMs,
      what: 'the good client, reading back',
    });
    const id = correlationId++;
    const answer = ApiVersions.decodeApiVersionsResponse(
      await bystander!.request({ apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: id, body: (w) => ApiVersions.encodeApiVersionsRequest(w, 3, {}) }),
      3,
    );
    assert.equal(answer.errorCode, 0, 'the bystander connection still answers');
  }

  /** Sends `bytes` on a fresh connection and expects the broker to close it without answering, logging `reason`. */
  async function expectClosed(t: TestContext, bytes: Buffer, reason: RegExp): Promise<void> {
    const conn = await RawConnection.connect(broker().port);
    t.after(() => conn.destroy());
    conn.write(bytes);
    await conn.waitClosed();
    assert.equal(conn.buffered, 0, 'no response before the close');
    await waitForOutput(broker(), reason);
  }

  it('closes a connection that sends a garbage frame', { timeout: 30_000 }, async (t) => {
    await whileGoodClientWorks(t, async () => {
      const garbage = Buffer.from('this is not a kafka request, just text');
      const size = Buffer.alloc(4);
      size.writeInt32BE(garbage.length);
      // Read as a header: api key "th", version "is", correlation id " is ", then a client
      // id string whose length ("no") runs past the end of the frame.
      await expectClosed(t, Buffer.concat([size, garbage]), /closing connection: string of 28271 bytes at 10 exceeds the 28 bytes left/);
      // A well-formed header of an API that does not exist, then junk.
      const unknownApi = requestFrame({ apiKey: 29800, apiVersion: 1, correlationId: 2, body: (w) => w.raw(Buffer.from('junk')) });
      await expectClosed(t, unknownApi, /closing connection: unknown api key 29800/);
    });
  });

  it('closes a connection whose frame length exceeds socket.request.max.bytes, before reading the body', { timeout: 30_000 }, async (t) => {
    await whileGoodClientWorks(t, async () => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(MAX_REQUEST_BYTES + 1);
      await expectClosed(t, size, new RegExp(`frame of ${MAX_REQUEST_BYTES + 1} bytes exceeds socket.request.max.bytes=${MAX_REQUEST_BYTES}`));
      size.writeInt32BE(-5);
      await expectClosed(t, size, /negative frame size -5/);
    });
  });

  it('closes a connection whose request body is truncated', { timeout: 30_000 }, async (t) => {
    await whileGoodClientWorks(t, async () => {
      const batch = buildRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'.repeat(200)) }] });
      const whole = requestFrame({
        apiKey: ApiKey.Produce,
        apiVersion: 7,
        correlationId: 1,
        body: (w) => Produce.encodeProduceRequest(w, 7, { acks: -1, timeoutMs: 5000, topicData: [{ name: 'bad-input-good', partitionData: [{ index: 0, records: batch }] }] }),
      });
      // Cut the body inside the record batch and make the frame length agree: the frame is
      // well formed, the Produce request in it is not.
      const cut = whole.subarray(0, whole.length - 100);
      cut.writeInt32BE(cut.length - 4, 0);
      await expectClosed(t, Buffer.from(cut), /closing connection: bytes of \d+ bytes at \d+ exceeds the \d+ bytes left/);
    });
  });

  it('keeps serving others while a connection sits on a partial frame, and closes it when the client hangs up', { timeout: 30_000 }, async (t) => {
    await whileGoodClientWorks(t, async () => {
      const conn = await RawConnection.connect(broker().port);
      t.after(() => conn.destroy());
      const size = Buffer.alloc(4);
      size.writeInt32BE(1000);
      conn.write(Buffer.concat([size, Buffer.alloc(10)]));
      // The rest of the frame may still come: waiting for it is not an error, and must not
      // hold up anyone else.
      await sleep(300);
      assert.equal(conn.closed, false, 'a partial frame alone does not close the connection');
      conn.end();
      await conn.waitClosed();
      assert.equal(conn.buffered, 0);
    });
  });
});
