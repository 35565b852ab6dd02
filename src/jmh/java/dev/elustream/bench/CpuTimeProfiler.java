package dev.elustream.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler ({@code -prof dev.elustream.bench.CpuTimeProfiler}) that reports CPU time per operation
 * next to JMH's wall-clock score: {@code cpu.worker} is the CPU time of the benchmark threads,
 * {@code cpu.process} that of the whole forked JVM (GC and JIT included), each in ns/op.
 *
 * <p>Why: on a shared machine whose cores are busy with other work, the wall-clock time of an operation
 * includes the time the thread waited for a core, which varies from one benchmark to the next; the CPU
 * time it used does not. It does not remove the slowdown from sharing caches and memory bandwidth.
 */
public final class CpuTimeProfiler implements InternalProfiler {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private Map<Long, Long> workerCpuBefore = Map.of();
    private long processCpuBefore;

    public CpuTimeProfiler() {
        if (!threads.isThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure thread CPU time");
        }
        threads.setThreadCpuTimeEnabled(true);
    }

    @Override
    public String getDescription() {
        return "CPU time per operation of the benchmark threads and of the forked JVM";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        workerCpuBefore = workerCpuTimes();
        processCpuBefore = os.getProcessCpuTime();
    }

    @Override
    public List<Result<?>> afterIteration(
            BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
        long processCpu = os.getProcessCpuTime() - processCpuBefore;
        long workerCpu = 0;
        for (Map.Entry<Long, Long> e : workerCpuTimes().entrySet()) {
            // a worker started during the iteration counts from 0
            workerCpu += e.getValue() - workerCpuBefore.getOrDefault(e.getKey(), 0L);
        }
        long ops = result.getMetadata().getMeasuredOps();
        if (ops == 0) {
            return List.of();
        }
        return List.of(
                new ScalarResult("cpu.worker", (double) workerCpu / ops, "ns/op", AggregationPolicy.AVG),
                new ScalarResult("cpu.process", (double) processCpu / ops, "ns/op", AggregationPolicy.AVG));
    }

    /** CPU time (ns) of each live JMH worker thread, by thread id. */
    private Map<Long, Long> workerCpuTimes() {
        Map<Long, Long> times = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("-jmh-worker-")) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu >= 0) {
                    times.put(info.getThreadId(), cpu);
                }
            }
        }
        return times;
    }
}
