#!/usr/bin/env bash
# End-to-end throughput run, not part of `mvn verify`: for each delivery guarantee, a plain
# KafkaConsumer -> KafkaProducer copy (the baseline) and the job, each in its own JVM (512 MB heap,
# GC log) against an embedded broker, on fresh topics. Throughput is a backlog drain: N records are
# written before the system starts, and records/s and MB/s are the steady-state rate over the output's
# broker append times (5th percentile to last). Then p50/p99 latency of a paced phase (send time in a
# header to output seen), GC, and the ratio job/baseline. README.md ("Performance") explains the figures.
#   usage: src/test/perf/throughput.sh [--quick] [--records N] [--dimension D]
#            [--guarantees at-least-once,exactly-once] [--format json|binary] [--numbers full|six]
#            [--partitions P] [--latency-rate R] [--latency-seconds S] [--checkpoint-interval-ms MS]
#            [--kafka.KEY VALUE ...]
#   --numbers six writes each input element with exactly six decimals (-3.581839) instead of
#   Double.toString's up to 17 digits; the expected values are computed from what that text parses to.
#   PERF_SKIP_BUILD=1 reuses target/ as it is (after a previous run built it).
#   PERF_JVM_OPTS='...' adds JVM options to the job's and the baseline's JVMs (e.g. -XX:StartFlightRecording=...).
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
