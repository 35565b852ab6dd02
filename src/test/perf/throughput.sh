#!/usr/bin/env bash
# End-to-end throughput run, not part of `mvn verify`: for each delivery guarantee, a plain
# KafkaConsumer -> KafkaProducer copy (the baseline) and the job, each in its own JVM (512 MB heap,
# GC log) against an embedded broker, on fresh topics: records/s, MB/s in and out, p50/p99
# end-to-end latency, GC, and the ratio job/baseline. README.md ("Performance") explains the figures.
#   usage: src/test/perf/throughput.sh [--quick] [--records N] [--dimension D]
#            [--guarantees at-least-once,exactly-once] [--format json] [--partitions P]
#            [--latency-rate R] [--latency-seconds S] [--checkpoint-interval-ms MS] [--kafka.KEY VALUE ...]
#   PERF_SKIP_BUILD=1 reuses target/ as it is (after `mvn -DskipTests package` and the classpath below).
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [[ "${PERF_SKIP_BUILD:-0}" != 1 ]]; then
    mvn -q -B -DskipTests package dependency:build-classpath \
        -Dmdep.outputFile=target/perf.classpath -Dmdep.includeScope=test
fi
exec java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/perf.classpath)" \
    dev.elustream.perf.ThroughputRun "$@"
