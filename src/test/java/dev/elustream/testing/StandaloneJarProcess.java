package dev.elustream.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java --add-modules jdk.incubator.vector [JVM options] -jar target/elu-stream-standalone.jar
 * ARGS} as a user runs it (README's command line), in a child JVM given no Flink flags (the
 * manifest must carry them); stdout and stderr go to files, read as they grow.
 */
public final class StandaloneJarProcess implements AutoCloseable {

    public static final Path JAR = Path.of("target", "elu-stream-standalone.jar");

    /** What the JDK prints on stderr when started with --add-modules jdk.incubator.vector. */
    public static final String INCUBATOR_WARNING = "WARNING: Using incubator modules: jdk.incubator.vector"
            + System.lineSeparator();

    public final Process process;
    private final Path out;
    private final Path err;

    /** Starts the jar with the given JVM options (before -jar) and arguments. */
    public StandaloneJarProcess(List<String> jvmOptions, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx768m");
        // a manifest cannot add a module: users pass it for ELU's vector kernel, as README says
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(JAR.toString());
        cmd.addAll(args);
        out = Files.createTempFile("elu-stream-child", ".out");
        err = Files.createTempFile("elu-stream-child", ".err");
        process = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    }

    public StandaloneJarProcess(String... args) throws IOException {
        this(List.of(), List.of(args));
    }

    public String out() {
        return read(out);
    }

    /** The child's stderr without the JDK's line about incubator modules, which every run prints. */
    public String err() {
        return read(err).replace(INCUBATOR_WARNING, "");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until stdout contains the text; fails if the process exits first or the time runs out. */
    public void awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!out().contains(text)) {
            assertThat(process.isAlive()).as("exited early: %s%n%s", out(), err()).isTrue();
            assertThat(System.nanoTime()).as("'%s' within %s: %s%n%s", text, timeout, out(), err())
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Waits for the exit and returns its status; fails if it does not come in time. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
                .as("exits within %s: %s%n%s", timeout, out(), err()).isTrue();
        return process.exitValue();
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
    }
}
