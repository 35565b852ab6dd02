#!/usr/bin/env bash
# Runs one group of JMH benchmarks from two builds, a baseline revision and the working tree, in one
# invocation, and prints one table of the two side by side.
#
#   src/jmh/compare.sh BASELINE_REV kernels|json|shapes|binary|schema [--rounds N] [JMH options]
#
# e.g. src/jmh/compare.sh main json -wi 3 -i 5 -f 1 -w 1s -r 1s -p size=64
#
# It builds target/benchmarks.jar of the working tree (uncommitted changes included) and of
# BASELINE_REV (a detached `git worktree` in target/, built with that revision's own bench profile,
# removed once built), then runs the group's benchmark class (as in bench.sh: KernelBench,
# JsonCodecBench, BinaryCodecBench, SchemaCodecBench) from the two jars in turn: baseline, current, baseline, current,
# ..., N rounds each (--rounds, default 3, at least 2), every run its own JMH run with the same
# options. The table has, per benchmark and params, the median score over the rounds of each, the
# ratio current/baseline of the medians, the range of the per-round ratios (baseline round r against
# current round r), the same ratio of CPU time per op (cpu.worker of bench.sh's CpuTimeProfiler, where
# both jars have it), and for json, binary and schema (run with -prof gc) gc.alloc.rate.norm in bytes per op.
#
# Why interleaved: these machines are shared and noisy (2 cores), so one build's absolute figures
# drift with whatever else runs, by more than most changes we measure. Rounds that alternate put
# both builds under the same drift; the ratio current/baseline from them is the figure to report,
# not either build's absolute time. Compare a revision with itself (BASELINE_REV = HEAD, no changes)
# to see the noise floor: ratios there should be about 1.0. The wall-clock ratio includes the time the
# benchmark thread waited for a core; the CPU-time ratio does not and is usually much tighter.
#
# A benchmark or params the baseline jar does not have (or the current one, for the baseline) is
# printed with one build's figure alone; the baseline runs only the benchmarks its jar lists
# (java -jar JAR -l), so JMH does not fail on new ones, and JMH ignores -p for a parameter a
# benchmark lacks. Pass JMH options only, not benchmark regexps (the script selects the class);
# narrow it with JMH's -e REGEX (exclude) or -p NAME=VALUE.
#
# Results: target/bench/results/compare-GROUP-{baseline,current}-ROUND.csv (and .log, JMH's output).
set -euo pipefail

usage="usage: $0 BASELINE_REV kernels|json|shapes|binary|schema [--rounds N] [JMH options]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
baseline_rev=$1
group=$2
shift 2
case "$group" in
  kernels) bench=KernelBench; profile=() ;;
  json) bench=JsonCodecBench; profile=(-prof gc) ;;
  shapes) bench=JsonShapesBench; profile=(-prof gc) ;;
  binary) bench=BinaryCodecBench; profile=(-prof gc) ;;
  schema) bench=SchemaCodecBench; profile=(-prof gc) ;;
  *) echo "unknown group '$group': $usage" >&2; exit 2 ;;
esac
rounds=3
jmh_opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) [ $# -ge 2 ] || { echo "--rounds needs a value: $usage" >&2; exit 2; }; rounds=$2; shift 2 ;;
    --rounds=*) rounds=${1#--rounds=}; shift ;;
    *) jmh_opts+=("$1"); shift ;;
  esac
done
if ! [[ "$rounds" =~ ^[0-9]+$ ]] || [ "$rounds" -lt 2 ]; then
  echo "--rounds must be a whole number >= 2, got '$rounds'" >&2
  exit 2
fi

cd "$(dirname "$0")/../.."
root=$PWD
baseline_sha=$(git rev-parse --verify --quiet "$baseline_rev^{commit}") \
  || { echo "not a revision: '$baseline_rev'" >&2; exit 2; }
jars=target/bench/compare
results=target/bench/results
mkdir -p "$jars" "$results"

# Builds target/benchmarks.jar of the project in $1 with its own bench profile: offline first (fast,
# no network), online when that fails (a local repository without the profile's plugins). Maven's
# output is shown only when both fail.
build_benchmarks() {
  local log=$1/target/bench-build.log
  mkdir -p "$1/target"
  (cd "$1" && mvn -o -q -B -Pbench package) >"$log" 2>&1 && return 0
  (cd "$1" && mvn -q -B -ntp -Pbench package) >"$log" 2>&1 && return 0
  cat "$log" >&2
  return 1
}

worktree=
remove_worktree() {
  if [ -n "$worktree" ]; then
    git worktree remove --force "$worktree" 2>/dev/null || { rm -rf "$worktree"; git worktree prune; }
    worktree=
  fi
}
trap remove_worktree EXIT
trap 'exit 130' INT TERM

echo "building the benchmarks of the working tree ..."
build_benchmarks "$root"
cp target/benchmarks.jar "$jars/current.jar"

echo "building the benchmarks of $baseline_rev (${baseline_sha:0:12}) ..."
worktree=$(mktemp -d "$root/target/compare-baseline.XXXXXX")
git worktree add -q --detach "$worktree" "$baseline_sha"
build_benchmarks "$worktree"
if [ ! -f "$worktree/target/benchmarks.jar" ]; then
  echo "$baseline_rev builds no target/benchmarks.jar (no bench profile?)" >&2
  exit 1
fi
cp "$worktree/target/benchmarks.jar" "$jars/baseline.jar"
remove_worktree

# The jar's benchmarks of the group's class, as one anchored regexp; empty when it has none.
benchmarks_regexp() {
  java -jar "$1" -l | { grep -E "\.$bench\.[A-Za-z0-9_]+\$" || true; } | sed 's/\./\\./g' | paste -sd '|' \
    | sed -e 's/^./^(&/' -e 's/.$/&)$/'
}
current_regexp=$(benchmarks_regexp "$jars/current.jar")
baseline_regexp=$(benchmarks_regexp "$jars/baseline.jar")
[ -n "$current_regexp" ] || { echo "the working tree's jar has no $bench benchmarks" >&2; exit 1; }
sides=(baseline current)
if [ -z "$baseline_regexp" ]; then
  echo "$baseline_rev's jar has no $bench benchmarks: running the current ones alone" >&2
  sides=(current)
fi
# bench.sh's CPU-time profiler, where both jars have it (an old baseline may not).
for jar in "$jars/current.jar" "$jars/baseline.jar"; do
  unzip -l "$jar" dev/elustream/bench/CpuTimeProfiler.class >/dev/null 2>&1 || { cpu_profile=(); break; }
  cpu_profile=(-prof dev.elustream.bench.CpuTimeProfiler)
done

rm -f "$results"/compare-"$group"-*.csv "$results"/compare-"$group"-*.log
for ((round = 1; round <= rounds; round++)); do
  for side in "${sides[@]}"; do
    if [ "$side" = baseline ]; then regexp=$baseline_regexp; else regexp=$current_regexp; fi
    out=$results/compare-$group-$side-$round
    printf 'round %d/%d: %-8s ... ' "$round" "$rounds" "$side"
    start=$SECONDS
    # English number format in the CSV, whatever the locale.
    if ! java -Duser.language=en -Duser.country=US -jar "$jars/$side.jar" "$regexp" \
        ${cpu_profile[@]+"${cpu_profile[@]}"} ${profile[@]+"${profile[@]}"} -rf csv -rff "$out.csv" \
        ${jmh_opts[@]+"${jmh_opts[@]}"} >"$out.log" 2>&1; then
      echo "failed:"
      tail -n 30 "$out.log" >&2
      exit 1
    fi
    echo "$((SECONDS - start)) s"
  done
done

echo
echo "$bench, baseline $baseline_rev (${baseline_sha:0:12}) against the working tree:" \
  "median of $rounds interleaved rounds each"
awk -F, -v bench="$bench" '
  function median(list,    n, v, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) { t = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  function fmt(x, decimals) { return x == "" ? "-" : sprintf("%." decimals "f", x) }
  FNR == 1 {
    sub(/\r$/, "")
    f = FILENAME; sub(/.*\//, "", f); sub(/\.csv$/, "", f)
    n = split(f, parts, "-"); side = parts[n - 1]; round = parts[n]
    delete col; np = 0
    for (i = 1; i <= NF; i++) {
      gsub(/"/, "", $i); col[$i] = i
      if ($i ~ /^Param: /) pname[++np] = substr($i, 8)
    }
    # params in name order, so that both jars give one key even if their columns differ
    for (i = 2; i <= np; i++) { t = pname[i]; for (j = i - 1; j >= 1 && pname[j] > t; j--) pname[j + 1] = pname[j]; pname[j + 1] = t }
    next
  }
  {
    sub(/\r$/, "")
    for (i = 1; i <= NF; i++) gsub(/"/, "", $i)
    name = $col["Benchmark"]; sub(".*\\." bench "\\.", "", name)
    metric = ""
    if (index(name, ":") > 0) { metric = substr(name, index(name, ":") + 1); name = substr(name, 1, index(name, ":") - 1) }
    if ($col["Mode"] != "avgt") name = name " (" $col["Mode"] ")"
    params = ""
    for (i = 1; i <= np; i++) {
      v = $col["Param: " pname[i]]
      if (v != "") params = params (params == "" ? "" : " ") pname[i] "=" v
    }
    key = name SUBSEP params
    if (metric == "") {
      if (!(key in seen)) { seen[key] = 1; order[++nkeys] = key }
      score[side, key] = score[side, key] " " $col["Score"]
      perround[side, key, round] = $col["Score"]
      if (round + 0 > rounds) rounds = round + 0
      if (unit == "") unit = $col["Unit"]
    } else if (metric == "gc.alloc.rate.norm") {
      alloc[side, key] = alloc[side, key] " " $col["Score"]
      gc = 1
    } else if (metric == "cpu.worker") {
      cpu[side, key] = cpu[side, key] " " $col["Score"]
      hascpu = 1
    }
  }
  END {
    printf "%-22s %-24s %14s %14s %9s %13s", "benchmark", "params", "baseline " unit, "current " unit, "ratio", "round ratios"
    if (hascpu) printf " %10s", "cpu ratio"
    if (gc) printf " %14s %14s", "baseline B/op", "current B/op"
    printf "\n"
    for (k = 1; k <= nkeys; k++) {
      key = order[k]; split(key, kp, SUBSEP)
      b = (("baseline", key) in score) ? median(score["baseline", key]) : ""
      c = (("current", key) in score) ? median(score["current", key]) : ""
      ratio = (b != "" && c != "" && b > 0) ? fmt(c / b, 3) : "-"
      lo = ""; hi = ""
      for (r = 1; r <= rounds; r++) {
        if ((("baseline", key, r) in perround) && (("current", key, r) in perround) && perround["baseline", key, r] > 0) {
          x = perround["current", key, r] / perround["baseline", key, r]
          if (lo == "" || x < lo) lo = x
          if (hi == "" || x > hi) hi = x
        }
      }
      range = lo == "" ? "-" : sprintf("%.2f-%.2f", lo, hi)
      printf "%-22s %-24s %14s %14s %9s %13s", kp[1], kp[2], fmt(b, 1), fmt(c, 1), ratio, range
      if (hascpu) {
        bc = (("baseline", key) in cpu) ? median(cpu["baseline", key]) : ""
        cc = (("current", key) in cpu) ? median(cpu["current", key]) : ""
        printf " %10s", (bc != "" && cc != "" && bc > 0) ? fmt(cc / bc, 3) : "-"
      }
      if (gc) {
        ba = (("baseline", key) in alloc) ? median(alloc["baseline", key]) : ""
        ca = (("current", key) in alloc) ? median(alloc["current", key]) : ""
        printf " %14s %14s", fmt(ba, 0), fmt(ca, 0)
      }
      printf "\n"
    }
  }' "$results"/compare-"$group"-*.csv
echo
echo "ratio: current/baseline of the medians (in time per op, below 1 is faster); round ratios: the"
echo "lowest and highest current/baseline of one round; cpu ratio: that of the median CPU time per op"
echo "(cpu.worker). CSVs and JMH output: $results/compare-$group-*"
