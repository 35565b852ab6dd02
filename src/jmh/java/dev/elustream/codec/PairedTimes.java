package dev.elustream.codec;

import java.util.Arrays;

/**
 * The summary of times taken in pairs (one of each of two ways per pair, back to back): the median
 * of each way's times, and the median and quartiles of the per-pair ratio first / second, which is
 * the figure to report on a noisy machine.
 */
record PairedTimes(double firstMedian, double secondMedian, double ratioMedian, double ratioLowerQuartile,
        double ratioUpperQuartile) {

    static PairedTimes of(double[] first, double[] second) {
        int pairs = first.length;
        if (pairs == 0 || second.length != pairs) {
            throw new IllegalArgumentException("need the same number of times of each, at least one");
        }
        double[] ratios = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            ratios[i] = first[i] / second[i];
        }
        double[] a = first.clone();
        double[] b = second.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        Arrays.sort(ratios);
        return new PairedTimes(a[pairs / 2], b[pairs / 2], ratios[pairs / 2], ratios[pairs / 4], ratios[3 * pairs / 4]);
    }
}
