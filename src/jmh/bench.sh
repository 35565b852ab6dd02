#!/usr/bin/env bash
# Builds target/benchmarks.jar (Maven profile `bench`) and runs one group of JMH benchmarks.
#
#   src/jmh/bench.sh kernels [JMH options]   KernelBench; then a table of ns per element
#   src/jmh/bench.sh json    [JMH options]   JsonCodecBench with -prof gc (bytes per record)
#   src/jmh/bench.sh shapes  [JMH options]   JsonShapesBench with -prof gc: the same numbers in four record shapes
#   src/jmh/bench.sh binary  [JMH options]   BinaryCodecBench with -prof gc (bytes per record)
#   src/jmh/bench.sh schema  [JMH options]   SchemaCodecBench with -prof gc: JSON, EV, Avro, Protobuf on one record
#
# Both run with CpuTimeProfiler: next to each wall-clock score, cpu.worker is the CPU time per op of
# the benchmark thread, which waiting for a busy core does not inflate.
#
# JMH options go after the group, e.g. a first figure in a few minutes:
#   src/jmh/bench.sh kernels -wi 3 -i 5 -f 1 -w 1s -r 1s
# Results are also written as CSV to target/bench/results/<group>.csv.
set -euo pipefail

usage="usage: $0 kernels|json|shapes|binary|schema [JMH options]"
group=${1:?$usage}
shift
case "$group" in
  kernels) bench=KernelBench; profile=() ;;
  json) bench=JsonCodecBench; profile=(-prof gc) ;;
  shapes) bench=JsonShapesBench; profile=(-prof gc) ;;
  binary) bench=BinaryCodecBench; profile=(-prof gc) ;;
  schema) bench=SchemaCodecBench; profile=(-prof gc) ;;
  *) echo "unknown group '$group': $usage" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/../.."
# Offline first (fast, no network), online when that fails (a local repository without the bench
# profile's plugins); Maven's output is shown only when both fail.
mkdir -p target
mvn -o -q -B -Pbench package >target/bench-build.log 2>&1 \
  || mvn -q -B -ntp -Pbench package >target/bench-build.log 2>&1 \
  || { cat target/bench-build.log >&2; exit 1; }
mkdir -p target/bench/results
csv=target/bench/results/$group.csv
java -jar target/benchmarks.jar "$bench" -prof dev.elustream.bench.CpuTimeProfiler "${profile[@]}" -rf csv -rff "$csv" "$@"

if [ "$group" = kernels ]; then
  # JMH reports ns per call over the whole array; per element is score / size.
  echo
  echo "ns per element (score / size; :cpu.worker is CPU time, the rest wall-clock time):"
  awk -F, '
    { sub(/\r$/, "") }  # JMH writes CRLF
    NR == 1 { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); col[$i] = i }; next }
    {
      for (i = 1; i <= NF; i++) gsub(/"/, "", $i)
      if ($col["Unit"] != "ns/op") next
      name = $col["Benchmark"]; sub(/.*KernelBench\./, "", name)
      kernel = ("Param: kernel" in col) ? $col["Param: kernel"] : ""
      size = $col["Param: size"]
      printf "%-33s %-7s %6d %10.3f\n", name, kernel, size, $col["Score"] / size
    }' "$csv"
fi
