package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.io.NumberOutput;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutputBufferTest {

    private static String write(double d) throws VectorRejectedException {
        OutputBuffer out = new OutputBuffer(1);
        out.reserve(OutputBuffer.MAX_DOUBLE_LENGTH);
        out.appendDouble(d);
        return new String(out.toByteArray(), StandardCharsets.US_ASCII);
    }

    private static String write(float f) throws VectorRejectedException {
        OutputBuffer out = new OutputBuffer(1);
        out.reserve(OutputBuffer.MAX_FLOAT_LENGTH);
        out.appendFloat(f);
        return new String(out.toByteArray(), StandardCharsets.US_ASCII);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            0.0, 0.0
            -0.0, -0.0
            1.0, 1.0
            -3.0, -3.0
            9999999.0, 9999999.0
            -9999999.0, -9999999.0
            1.0E7, 1.0E7
            1.5, 1.5
            0.001, 0.001
            9.999E-4, 9.999E-4
            4.9E-324, 4.9E-324
            1.7976931348623157E308, 1.7976931348623157E308
            -2.2250738585072014E-308, -2.2250738585072014E-308
            -1.0E-17, -1.0E-17
            1.0E23, 1.0E23
            2.0E-3, 0.002
            """)
    void writesDoublesInDoubleToStringFormWithTheShortestDigits(double d, String expected) throws Exception {
        assertThat(write(d)).isEqualTo(expected);
    }

    @Test
    void writesEveryRandomDoubleSoThatItParsesBackExactly() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            double d = i % 2 == 0 ? Double.longBitsToDouble(random.nextLong()) : (double) random.nextInt(-20_000_000, 20_000_000);
            if (!Double.isFinite(d)) {
                continue;
            }
            String s = write(d);
            assertThat(s.length()).isLessThanOrEqualTo(OutputBuffer.MAX_DOUBLE_LENGTH);
            assertThat(Double.doubleToRawLongBits(Double.parseDouble(s))).as(s).isEqualTo(Double.doubleToRawLongBits(d));
            assertThat(s).as("JSON number").matches("-?(0|[1-9][0-9]*)\\.[0-9]+(E-?[0-9]+)?");
            if (i % 2 == 1 && Math.abs(d) < 1e7) {
                assertThat(s).as("an integer below 10^7 is plain").isEqualTo((long) d + ".0");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            0.0, 0.0
            -0.0, -0.0
            1.0, 1.0
            -3.0, -3.0
            9999999.0, 9999999.0
            -9999999.0, -9999999.0
            1.0E7, 1.0E7
            -1.0E7, -1.0E7
            16777216.0, 1.6777216E7
            1.5, 1.5
            0.1, 0.1
            0.001, 0.001
            9.999999E-4, 9.999999E-4
            1.0E-5, 1.0E-5
            1.4E-45, 1.4E-45
            3.4028235E38, 3.4028235E38
            1.17549435E-38, 1.1754944E-38
            -1.00000075E-36, -1.00000075E-36
            0.33333334, 0.33333334
            """)
    void writesFloatsInFloatToStringFormWithTheShortestDigits(float f, String expected) throws Exception {
        assertThat(write(f)).isEqualTo(expected);
    }

    @Test
    void writesEveryRandomFloatLikeJacksonSoThatItParsesBackExactly() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            // bit patterns, and integers on both sides of the plain form's bound 1e7
            float f = i % 2 == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) random.nextInt(-20_000_000, 20_000_000);
            if (!Float.isFinite(f)) {
                continue;
            }
            String s = write(f);
            assertThat(s).as("bits %s", Integer.toHexString(Float.floatToRawIntBits(f))).isEqualTo(NumberOutput.toString(f, true));
            assertThat(s.length()).isLessThanOrEqualTo(OutputBuffer.MAX_FLOAT_LENGTH);
            assertThat(Float.floatToRawIntBits(Float.parseFloat(s))).as(s).isEqualTo(Float.floatToRawIntBits(f));
        }
    }

    @Test
    void writesFloatsWithoutAllocating() throws Exception {
        float[] values = new float[1000];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (i % 2 == 0 ? Math.expm1(-random.nextDouble(0, 40)) : random.nextDouble(-1e30, 1e30));
        }
        OutputBuffer out = new OutputBuffer(values.length * (OutputBuffer.MAX_FLOAT_LENGTH + 1));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 20; round++) {
            out.reset();
            long before = threads.getThreadAllocatedBytes(thread);
            for (float f : values) {
                out.appendFloat(f);
                out.append((byte) ',');
            }
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(thread) - before);
        }
        assertThat(allocated).as("bytes allocated writing %s floats", values.length).isZero();
    }

    @Test
    void writesDoublesWithoutAllocating() throws Exception {
        double[] values = new double[1000];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 2 == 0 ? Math.expm1(-random.nextDouble(0, 40)) : random.nextDouble(-1e30, 1e30);
        }
        OutputBuffer out = new OutputBuffer(values.length * (OutputBuffer.MAX_DOUBLE_LENGTH + 1));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 20; round++) {
            out.reset();
            long before = threads.getThreadAllocatedBytes(thread);
            for (double d : values) {
                out.appendDouble(d);
                out.append((byte) ',');
            }
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(thread) - before);
        }
        assertThat(allocated).as("bytes allocated writing %s doubles", values.length).isZero();
    }

    @Test
    void growsAndCopiesOnlyWhatWasWritten() throws Exception {
        OutputBuffer out = new OutputBuffer(2);
        byte[] src = "abcdef".getBytes(StandardCharsets.US_ASCII);
        out.reserve(6);
        out.append(src, 1, 4);
        out.append((byte) '!');
        assertThat(out.toByteArray()).isEqualTo("bcde!".getBytes(StandardCharsets.US_ASCII));
        out.reset();
        out.reserve(1);
        out.append((byte) 'z');
        assertThat(out.toByteArray()).isEqualTo(new byte[] {'z'});
    }

    @Test
    void takesWhatWasWrittenIntoItsArrayDirectlyAndNoSizeBeyondIt() throws Exception {
        OutputBuffer out = new OutputBuffer(4);
        out.append((byte) '[');
        out.reserve(OutputBuffer.MAX_DOUBLE_LENGTH + 1);
        byte[] array = out.array();
        int end = OutputBuffer.writeDouble(-0.5, array, out.size());
        array[end] = ']';
        out.size(end + 1);
        assertThat(out.toByteArray()).isEqualTo("[-0.5]".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> out.size(array.length + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> out.size(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsAValueLargerThanAJavaArray() {
        OutputBuffer out = new OutputBuffer(2);
        assertThatThrownBy(() -> out.reserve(Integer.MAX_VALUE))
                .isInstanceOf(VectorRejectedException.class)
                .hasMessage("the transformed value would be larger than the largest byte array (2147483639 bytes);"
                        + " send shorter vectors");
    }
}
