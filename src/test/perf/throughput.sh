#!/usr/bin/env bash
# End-to-end throughput run, not part of `mvn verify`: for each delivery guarantee and round, three
# systems, each in its own JVM (512 MB heap, GC log) against an embedded broker, on fresh topics: the
# baseline (a plain KafkaConsumer -> KafkaProducer copy), the job, and streams (a plain Kafka Streams
# app: Jackson tree model, Math.expm1/exp, split() to a dead-letter topic; JSON only, so --format
# binary skips it). Throughput is a backlog drain: N records are written before the system starts, and
# records/s and MB/s are the steady-state rate over the output's broker append times (5th percentile to
# last). Then p50/p99 latency of a paced phase (send time in a header to output seen), GC, and for each
# system k = output/input value bytes per record, its ceiling 2/(1+k) (the most its records/s can be of
# the copy's where bytes set the pace), its ratio to the baseline and that ratio over the ceiling, and
# job/streams. Every system's output is checked: complete, no duplicates under exactly-once, no dead
# letters, a sample of values (the copy byte for byte, f and f' within 2 ulp). README.md
# ("Performance") summarises the figures; src/test/perf/README.md explains them and keeps every table.
#   usage: src/test/perf/throughput.sh [--quick] [--records N] [--dimension D]
#            [--guarantees at-least-once,exactly-once] [--systems baseline,job,streams]
#            [--format json|binary] [--numbers full|six] [--partitions P] [--rounds R]
#            [--latency-rate R] [--latency-seconds S] [--checkpoint-interval-ms MS] [--kafka.KEY VALUE ...]
#   --numbers six writes each input element with exactly six decimals (-3.581839) instead of
#   Double.toString's up to 17 digits; the expected values are computed from what that text parses to.
#   --help lists every option with its default.
#   PERF_SKIP_BUILD=1 reuses target/ as it is (after a previous run built it).
#   PERF_JVM_OPTS='...' adds JVM options to the systems' JVMs (e.g. -XX:StartFlightRecording=...).
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [[ "${PERF_SKIP_BUILD:-0}" != 1 ]]; then
    mvn -q -B -Dstyle.color=never -DskipTests package dependency:build-classpath \
        -Dmdep.outputFile=target/perf.classpath -Dmdep.includeScope=test
fi
# Its own copy of the classes (the driver copies the jar itself): a build during the run must not
# swap classes under it or under the baseline's JVM.
classes=$(mktemp -d -t elu-perf-classes-XXXXXX)
trap 'rm -rf "$classes"' EXIT
cp -r target/classes "$classes/classes"
cp -r target/test-classes "$classes/test-classes"
java -Xmx2g -cp "$classes/test-classes:$classes/classes:$(cat target/perf.classpath)" \
    dev.elustream.perf.ThroughputRun "$@"
