package dev.elustream.flink;

import static dev.elustream.flink.EluFunction.METRIC_DEAD_LETTERS;
import static dev.elustream.flink.EluFunction.METRIC_DEAD_LETTERS_BY_REASON;
import static dev.elustream.flink.EluFunction.METRIC_ELEMENTS;
import static dev.elustream.flink.EluFunction.METRIC_GROUP;
import static dev.elustream.flink.EluFunction.METRIC_NEGATIVE_ELEMENTS;
import static dev.elustream.flink.EluFunction.METRIC_NEGATIVE_SHARE;
import static dev.elustream.flink.EluFunction.METRIC_PARAMS_UPDATES;
import static dev.elustream.flink.EluFunction.METRIC_PARAMS_UPDATE_TIME;
import static dev.elustream.flink.EluFunction.METRIC_PARAMS_VERSION;
import static dev.elustream.flink.EluFunction.METRIC_RECORDS_TRANSFORMED;
import static dev.elustream.flink.EluFunction.METRIC_TOMBSTONES;
import static dev.elustream.flink.EluFunction.METRIC_TRANSFORM_NANOS;
import static dev.elustream.flink.EluFunction.METRIC_VECTOR_LENGTH;

import dev.elustream.codec.RejectKind;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The ELU operator's metrics, registered under its metric group in {@link EluFunction#METRIC_GROUP};
 * every metric (one dead-letter counter per {@link RejectKind} included) is registered up front, so
 * that a reporter shows zeros rather than nothing. Updating them allocates nothing.
 */
final class EluMetrics {

    /** How many of the latest values the histograms keep (Flink's own histograms keep as many). */
    static final int HISTOGRAM_WINDOW = 1000;

    private static final RejectKind[] KINDS = RejectKind.values();

    private final Counter transformed;
    private final Counter tombstones;
    private final Counter deadLetters;
    private final Counter[] deadLettersByKind = new Counter[KINDS.length];
    private final Counter elements;
    private final Counter negativeElements;
    private final Histogram vectorLength;
    private final Histogram transformNanos;
    private final MetricGroup group;
    private Counter paramsUpdates;
    private volatile long paramsVersion;
    private volatile long paramsUpdateTime;

    EluMetrics(MetricGroup operatorGroup) {
        group = operatorGroup.addGroup(METRIC_GROUP);
        transformed = group.counter(METRIC_RECORDS_TRANSFORMED);
        tombstones = group.counter(METRIC_TOMBSTONES);
        deadLetters = group.counter(METRIC_DEAD_LETTERS);
        MetricGroup byReason = group.addGroup(METRIC_DEAD_LETTERS_BY_REASON);
        for (RejectKind kind : KINDS) {
            deadLettersByKind[kind.ordinal()] = byReason.counter(kind.metricName());
        }
        elements = group.counter(METRIC_ELEMENTS);
        negativeElements = group.counter(METRIC_NEGATIVE_ELEMENTS);
        group.gauge(METRIC_NEGATIVE_SHARE, (Gauge<Double>) this::negativeShare);
        vectorLength = group.histogram(METRIC_VECTOR_LENGTH, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        transformNanos = group.histogram(METRIC_TRANSFORM_NANOS, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    /** Registers the parameter metrics (jobs with a control topic), starting with these parameters. */
    void registerParameters(long version, long sinceMillis) {
        paramsVersion = version;
        paramsUpdateTime = sinceMillis;
        group.gauge(METRIC_PARAMS_VERSION, (Gauge<Long>) () -> paramsVersion);
        group.gauge(METRIC_PARAMS_UPDATE_TIME, (Gauge<Long>) () -> paramsUpdateTime);
        paramsUpdates = group.counter(METRIC_PARAMS_UPDATES);
    }

    /** An update applied: these parameters are in force from this moment. */
    void parametersUpdated(long version, long atMillis) {
        paramsVersion = version;
        paramsUpdateTime = atMillis;
        paramsUpdates.inc();
    }

    /** A record written with new values: its vector had {@code length} elements, {@code nonPositive} of them &lt;= 0. */
    void transformed(int length, int nonPositive) {
        transformed.inc();
        elements.inc(length);
        negativeElements.inc(nonPositive);
        vectorLength.update(length);
    }

    void tombstone() {
        tombstones.inc();
    }

    void deadLetter(RejectKind kind) {
        deadLetters.inc();
        deadLettersByKind[kind.ordinal()].inc();
    }

    /** Time the codec took on one record value, transformed or rejected. */
    void transformNanos(long nanos) {
        transformNanos.update(nanos);
    }

    /** Share of the elements transformed so far that were &lt;= 0; 0 before any. */
    private double negativeShare() {
        long all = elements.getCount();
        return all == 0 ? 0.0 : (double) negativeElements.getCount() / all;
    }
}
