#!/usr/bin/env bash
# Soak runs, not part of `mvn verify`.
#
# src/test/soak/soak.sh [MINUTES] [DIMENSION] [exactly-once|at-least-once]
#   The job (standalone jar, `local --bootstrap-servers`, 512 MB heap, GC log) at its measured
#   maximum rate for MINUTES (default 10), then the load stops and the consumer lag must return to
#   zero. Prints the maximum rate, lag every 30 s, and per minute the heap after GC and the longest
#   GC pause.
#
# src/test/soak/soak.sh chaos [MINUTES] [RATE] [SEED]
#   The chaos soak (ChaosSoakRun): the job jar on a Flink cluster of separate processes against a
#   3-broker Kafka cluster, exactly-once, RATE records/s (default 1000) for MINUTES (default 10), a
#   fault every 30-60 s at random (a broker, a TaskManager or the JobManager killed), a checker that
#   reads the output read_committed and reports duplicates, missing ids and value errors.
set -euo pipefail
cd "$(dirname "$0")/../../.."
mvn -q -B -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile=target/soak.classpath -Dmdep.includeScope=test
mvn -q -B test-compile
if [[ "${1:-}" == chaos ]]; then
    shift
    # The Flink cluster's own classpath, as `mvn verify` writes it for FlinkClusterITCase.
    mvn -B -q -f src/test/cluster/pom.xml -Dmdep.outputFile="$PWD/target/flink-cluster.classpath" \
        dependency:build-classpath
    exec java -cp "target/test-classes:target/classes:$(cat target/soak.classpath)" \
        dev.elustream.soak.ChaosSoakRun "$@"
fi
exec java --add-modules jdk.incubator.vector -cp "target/test-classes:target/classes:$(cat target/soak.classpath)" dev.elustream.soak.SoakRun "$@"
