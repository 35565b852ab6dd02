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
 * {@code java [JVM options] -jar target/elu-stream-standalone.jar ARGS} as a user runs it, in a child
 * JVM given no Flink flags (the manifest must carry them); stdout and stderr go to files, read as
 * they grow.
 */
public final class StandaloneJarProcess implements AutoCloseable {

    public static final Path JAR = Path.of("target", "elu-stream-standalone.jar");

    public final Process process;
    private final Path out;
    private final Path err;

    /** Starts the jar with the given JVM options (before -jar) and arguments. */
    public StandaloneJarProcess(List<String> jvmOptions, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Xmx768m");
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

    public String err() {
        return read(err);
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
