#!/usr/bin/env bash
# Soak run, not part of `mvn verify`: the job (standalone jar, `local --bootstrap-servers`, 512 MB
# heap, GC log) at its measured maximum rate for MINUTES (default 10), then the load stops and the
# consumer lag must return to zero. Prints the maximum rate, lag every 30 s, and per minute the
# heap after GC and the longest GC pause.
#   usage: src/test/soak/soak.sh [MINUTES] [DIMENSION] [exactly-once|at-least-once]
set -euo pipefail
cd "$(dirname "$0")/../../.."
mvn -q -B -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile=target/soak.classpath -Dmdep.includeScope=test
mvn -q -B test-compile
exec java --add-modules jdk.incubator.vector -cp "target/test-classes:target/classes:$(cat target/soak.classpath)" dev.elustream.soak.SoakRun "$@"
