package dev.elustream.perf;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The longest GC pause and the largest heap after a GC in a JVM's {@code -Xlog:gc} log (unified
 * logging, e.g. {@code [1.234s][info][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 25M->3M(512M) 3.456ms}).
 */
public record GcSummary(int pauses, double maxPauseMs, long maxHeapAfterMb) {

    private static final Pattern PAUSE = Pattern.compile("Pause.*?(\\d+)M->(\\d+)M\\((\\d+)M\\) (\\d+(?:\\.\\d+)?)ms");

    private static final Pattern UPTIME = Pattern.compile("^\\[(\\d+(?:\\.\\d+)?)s\\]");

    /** Summarises the pauses among the log lines; lines that are not pauses are skipped. */
    public static GcSummary parse(List<String> lines) {
        return parse(lines, Double.NEGATIVE_INFINITY);
    }

    /**
     * Summarises the pauses logged at or after {@code fromUptimeSeconds} (the JVM uptime in the line's
     * {@code [1.234s]} decoration; a line without it counts).
     */
    public static GcSummary parse(List<String> lines, double fromUptimeSeconds) {
        int pauses = 0;
        double maxPause = 0;
        long maxAfter = 0;
        for (String line : lines) {
            Matcher u = UPTIME.matcher(line);
            if (u.find() && Double.parseDouble(u.group(1)) < fromUptimeSeconds) {
                continue;
            }
            Matcher m = PAUSE.matcher(line);
            if (m.find()) {
                pauses++;
                maxAfter = Math.max(maxAfter, Long.parseLong(m.group(2)));
                maxPause = Math.max(maxPause, Double.parseDouble(m.group(4)));
            }
        }
        return new GcSummary(pauses, maxPause, maxAfter);
    }
}
