package dev.elustream.codec;

import static dev.elustream.codec.RawTensors.FLOAT32_BE;
import static dev.elustream.codec.RawTensors.FLOAT32_LE;
import static dev.elustream.codec.RawTensors.FLOAT64_BE;
import static dev.elustream.codec.RawTensors.FLOAT64_LE;

import dev.elustream.codec.BinaryVectors.ElementType;

/**
 * Reads and writes blocks of float64 or float32 elements in either byte order, for the binary-style
 * codecs (EV after its header, raw from the first byte). Every access goes through a constant
 * VarHandle (a handle chosen at run time would not be inlined); the byte order is a loop-invariant
 * branch, which the JIT hoists.
 */
final class ElementBlocks {

    private ElementBlocks() {}

    /**
     * Reads n elements from {@code from} into x (float32 widened exactly), refusing NaN and
     * infinities; returns how many are {@code <= 0}.
     *
     * @param format how the reason names the format, e.g. {@code binary}, {@code raw-float32}
     */
    static int read(byte[] value, int from, int n, ElementType type, boolean bigEndian, double[] x, String format)
            throws VectorRejectedException {
        int nonPositive = 0;
        if (type == ElementType.FLOAT64) {
            for (int i = 0, offset = from; i < n; i++, offset += 8) {
                double v = bigEndian ? (double) FLOAT64_BE.get(value, offset) : (double) FLOAT64_LE.get(value, offset);
                if (!Double.isFinite(v)) {
                    throw notFinite(i, Double.toString(v), type, format);
                }
                x[i] = v;
                nonPositive += v <= 0.0 ? 1 : 0;
            }
        } else {
            for (int i = 0, offset = from; i < n; i++, offset += 4) {
                float v = bigEndian ? (float) FLOAT32_BE.get(value, offset) : (float) FLOAT32_LE.get(value, offset);
                if (!Float.isFinite(v)) {
                    throw notFinite(i, Float.toString(v), type, format);
                }
                x[i] = v;
                nonPositive += v <= 0.0f ? 1 : 0;
            }
        }
        return nonPositive;
    }

    /** Writes n values from offset (float32: each rounded once); returns the end. */
    static int write(double[] values, int n, ElementType type, boolean bigEndian, byte[] out, int offset) {
        if (type == ElementType.FLOAT64) {
            if (bigEndian) {
                for (int i = 0; i < n; i++, offset += 8) {
                    FLOAT64_BE.set(out, offset, values[i]);
                }
            } else {
                for (int i = 0; i < n; i++, offset += 8) {
                    FLOAT64_LE.set(out, offset, values[i]);
                }
            }
        } else {
            if (bigEndian) {
                for (int i = 0; i < n; i++, offset += 4) {
                    FLOAT32_BE.set(out, offset, (float) values[i]);
                }
            } else {
                for (int i = 0; i < n; i++, offset += 4) {
                    FLOAT32_LE.set(out, offset, (float) values[i]);
                }
            }
        }
        return offset;
    }

    private static VectorRejectedException notFinite(int index, String value, ElementType type, String format) {
        return new VectorRejectedException(RejectKind.NUMBER_NOT_FINITE, "features[" + index + "] = " + value
                + " is not finite: " + format + " values must be finite " + type.label() + " numbers");
    }
}
