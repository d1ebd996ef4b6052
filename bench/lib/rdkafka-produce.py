"""librdkafka producer throughput through confluent-kafka, for bench/broker.mjs.

Run with Debian's /usr/bin/python3 (python3-confluent-kafka); the first python3 on PATH
does not see it. One argument: JSON settings
  {"bootstrap.servers", "topic", "records", "record.bytes", "producer": {librdkafka settings}}
Prints one JSON line: records, bytes, seconds (first produce() to the end of flush()),
delivery errors, the CPU this process used (from its start) and the librdkafka version.
"""
import json
import os
import resource
import sys
import time

from confluent_kafka import Producer, libversion

FLUSH_TIMEOUT_S = 120


def main():
    settings = json.loads(sys.argv[1])
    topic = settings["topic"]
    count = int(settings["records"])
    value = os.urandom(int(settings["record.bytes"]))
    config = {"bootstrap.servers": settings["bootstrap.servers"], **settings["producer"]}
    producer = Producer(config)
    metadata = producer.list_topics(topic, timeout=10)
    if metadata.topics[topic].error is not None:
        raise SystemExit(f"topic {topic}: {metadata.topics[topic].error}")

    state = {"delivered": 0, "errors": 0, "first_error": None}

    def on_delivery(err, _msg):
        if err is None:
            state["delivered"] += 1
        else:
            state["errors"] += 1
            if state["first_error"] is None:
                state["first_error"] = str(err)

    produce = producer.produce
    poll = producer.poll
    queue_full = 0
    t0 = time.perf_counter()
    for i in range(count):
        while True:
            try:
                produce(topic, value, on_delivery=on_delivery)
                break
            except BufferError:
                queue_full += 1
                poll(0.001)
        if i & 1023 == 0:
            poll(0)
    produced_s = time.perf_counter() - t0
    remaining = producer.flush(FLUSH_TIMEOUT_S)
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)  # all threads: Python's and librdkafka's
    print(json.dumps({
        "records": count,
        "delivered": state["delivered"],
        "errors": state["errors"],
        "firstError": state["first_error"],
        "undelivered": remaining,
        "bytes": count * len(value),
        "seconds": seconds,
        "produceLoopSeconds": produced_s,
        "queueFullWaits": queue_full,
        "cpuSeconds": usage.ru_utime + usage.ru_stime,
        "librdkafka": libversion()[0],
    }))


if __name__ == "__main__":
    main()
