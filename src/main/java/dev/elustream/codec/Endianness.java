package dev.elustream.codec;

import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The byte order of the elements of a raw tensor value ({@link RawTensors}), the job key
 * {@code byte-order}. An enum rather than {@link ByteOrder}, which is not serializable and so cannot
 * travel in the operator's settings.
 */
public enum Endianness {
    /** Least significant byte first: what numpy's {@code tobytes()} writes on x86 and ARM ({@code '<f4'}). */
    LITTLE_ENDIAN(ByteOrder.LITTLE_ENDIAN),
    /** Most significant byte first: what Java's {@code DataOutput} writes, numpy's {@code '>f4'}. */
    BIG_ENDIAN(ByteOrder.BIG_ENDIAN);

    private final ByteOrder order;

    Endianness(ByteOrder order) {
        this.order = order;
    }

    /** The same order for {@link java.nio.ByteBuffer#order(ByteOrder)}. */
    public ByteOrder toByteOrder() {
        return order;
    }

    /** Its name in configuration and reasons, {@code little-endian} or {@code big-endian}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
