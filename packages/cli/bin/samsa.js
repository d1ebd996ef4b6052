#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS GLIBC_TUNABLES=glibc.malloc.trim_threshold=33554432:glibc.malloc.mmap_threshold=4194304 UV_THREADPOOL_SIZE=16 node --max-semi-space-size=4
// The first line is how the broker gets its memory settings (docs/INTERNALS.md, "Memory
// settings of the broker process"): every produce request brings ~128 KiB of Buffers (the
// socket's chunk and the frame), and V8 counts them as external memory. Once new space grows
// to its 16 MB default maximum, scavenges come too rarely to free those Buffers young, 64 MB
// of them pile up and V8 runs a full mark-compact every ~150 ms; each frees a heap-top's worth
// of frames at once, glibc returns it to the kernel, and the next frames fault it back in.
// Measured (bench/broker.mjs, 1 KiB records in 64 KiB batches): 150-350 MB/s after the first
// seconds without these settings, 600-790 MB/s with them. UV_THREADPOOL_SIZE=16 (libuv's
// default is 4) lets the fdatasyncs of many partitions wait on the disk together: with an
// fsync before every ack on 8 partitions, 157-177 MB/s with 4 threads, 196-246 with 16.
// NODE_EXTRA_CA_CERTS is dropped: Node reads and parses every certificate it names before
// running any code (40 ms of a 300 ms start here), and samsa makes no TLS connection.
// bench/ and test/ start the broker with the same settings through launch.js, which reads
// them from this line.
import { chooseEntry } from './entry.js';

const cli = new URL('..', import.meta.url);
const { main } = await import(new URL(chooseEntry(cli), cli).href);

process.exitCode = await main(process.argv.slice(2));
