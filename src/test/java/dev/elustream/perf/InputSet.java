package dev.elustream.perf;

import java.util.Random;

/**
 * The input load: a fixed set of random feature vectors (seeded, standard normal, so about half are
 * negative) and their encoded values; record {@code i} carries vector {@code i % size()}. The vectors
 * are the numbers as written ({@link InputNumbers#written}: with six decimals, what that text parses
 * to), so the expected outputs are computed from what the system under test reads.
 */
final class InputSet {

    private final double[][] vectors;
    private final byte[][] payloads;

    InputSet(PayloadFormat format, InputNumbers numbers, int dimension, int distinct, long seed) {
        if (dimension < 1) {
            throw new IllegalArgumentException("--dimension must be >= 1, got " + dimension);
        }
        Random rnd = new Random(seed);
        vectors = new double[distinct][dimension];
        payloads = new byte[distinct][];
        for (int v = 0; v < distinct; v++) {
            for (int j = 0; j < dimension; j++) {
                vectors[v][j] = numbers.written(rnd.nextGaussian());
            }
            payloads[v] = format.encode(v, vectors[v]);
        }
    }

    int size() {
        return vectors.length;
    }

    /** The vector of record {@code i}. */
    double[] vector(long i) {
        return vectors[(int) (i % vectors.length)];
    }

    /** The encoded value of record {@code i}. */
    byte[] payload(long i) {
        return payloads[(int) (i % payloads.length)];
    }

    /** The mean size of the encoded values in bytes. */
    double meanPayloadBytes() {
        long sum = 0;
        for (byte[] p : payloads) {
            sum += p.length;
        }
        return (double) sum / payloads.length;
    }
}
