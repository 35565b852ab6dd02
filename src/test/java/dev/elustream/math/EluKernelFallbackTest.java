package dev.elustream.math;

import static dev.elustream.testing.Ulps.assertWithin2Ulp;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.math.ActivationReferenceTest.Row;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ELU in child JVMs started with and without {@code --add-modules jdk.incubator.vector} (the test
 * classpath, {@link KernelProbe} as main class): without the module AUTO falls back to scalar,
 * loads no vector class, and still gives every value within 2 ulp.
 */
class EluKernelFallbackTest {

    @Test
    void jvmWithoutTheModuleFallsBackToScalarWithCorrectValues() throws Exception {
        List<String> out = probe();
        assertThat(out.get(0)).isEqualTo("module: false");
        assertThat(out.get(1)).isEqualTo("kernel: scalar (jdk.incubator.vector not loaded: start java with "
                + "--add-modules jdk.incubator.vector)");
        assertThat(out.get(2)).isEqualTo("vector: the vector ELU kernel is not usable: jdk.incubator.vector "
                + "not loaded: start java with --add-modules jdk.incubator.vector");
        assertValues(out.subList(3, out.size()));
    }

    @Test
    void propertyForcesScalarInAJvmWithTheModule() throws Exception {
        List<String> out = probe("--add-modules", "jdk.incubator.vector", "-Delu.kernel=scalar");
        assertThat(out.get(0)).isEqualTo("module: true");
        assertThat(out.get(1)).isIn("kernel: scalar (elu.kernel=scalar)", "kernel: scalar ("
                + Kernel.vectorUnusableReason().orElse("usable") + ")");
        assertValues(out.subList(3, out.size()));
    }

    @Test
    void propertyAskingForVectorWithoutTheModuleFailsWithTheReason() throws Exception {
        ProcessResult result = run("-Delu.kernel=vector");
        assertThat(result.exitCode).isNotZero();
        assertThat(result.err).contains("IllegalStateException: the vector ELU kernel is not usable: "
                + "jdk.incubator.vector not loaded: start java with --add-modules jdk.incubator.vector");
    }

    private static void assertValues(List<String> lines) {
        assertThat(lines).hasSize(EluKernelTest.SPECIAL_X.length);
        for (String line : lines) {
            double[] f = Arrays.stream(line.split(" ")).mapToDouble(Double::parseDouble).toArray();
            Row expected = EluKernelTest.expected(f[0], KernelProbe.ALPHA);
            assertWithin2Ulp(f[1], expected.value(), "value at x=" + f[0]);
            assertWithin2Ulp(f[2], expected.derivative(), "derivative at x=" + f[0]);
            assertWithin2Ulp(f[3], expected.alphaGradient(), "alpha-gradient at x=" + f[0]);
        }
    }

    static List<String> probe(String... jvmOptions) throws Exception {
        ProcessResult result = run(jvmOptions);
        assertThat(result.exitCode).as("probe exit code; stderr:%n%s", result.err).isZero();
        return result.out.lines().toList();
    }

    private record ProcessResult(int exitCode, String out, String err) {}

    private static ProcessResult run(String... jvmOptions) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of(jvmOptions));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(KernelProbe.class.getName());
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        // outputs are small: read to the end, then wait
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("probe JVM did not exit within 60 s: " + cmd);
        }
        return new ProcessResult(p.exitValue(), out, err);
    }
}
