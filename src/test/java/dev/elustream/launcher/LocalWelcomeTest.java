package dev.elustream.launcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.elustream.job.JobConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalWelcomeTest {

    private static String welcome(String format, String... extra) {
        Map<String, String> m = new HashMap<>();
        m.put("format", format);
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return welcome(m);
    }

    private static String welcome(Map<String, String> keys) {
        Map<String, String> m = new HashMap<>(keys);
        m.put("bootstrap-servers", "127.0.0.1:9092");
        m.put("input-topic", "in");
        m.put("output-topic", "out");
        m.put("dead-letter-topic", "dlq");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LocalCommand.printWelcome(JobConfig.fromMap(m), 8081, true, new PrintStream(bytes, true, UTF_8));
        return bytes.toString(UTF_8);
    }

    @Test
    void pointsAnAvroJobAtItsLibraryAndTheSchemaCommand() {
        assertThat(welcome(Map.of("format", "avro", "avro-schema", "jobs/features.avsc")))
                .contains("Produce records of avro binary example.Features (features.avsc) with the format's own library"
                        + " (README.md, \"Avro\"), to in on 127.0.0.1:9092.\n")
                .contains("java -jar target/elu-stream-standalone.jar schema --job JOB_FILE\n")
                .contains("kcat -C -b 127.0.0.1:9092 -t out -o beginning -f 'key=%k %S bytes\\n'\n")
                .doesNotContain("\"features\":[1.5");
    }

    @Test
    void showsAJsonRecordForAJsonJob() {
        assertThat(welcome("json"))
                .contains("echo 'sensor-1|{\"id\":\"a\",\"features\":[1.5,-2.0,0.0]}' | kcat -P -b 127.0.0.1:9092 -t in -K '|'")
                .contains("kcat -C -b 127.0.0.1:9092 -t out -o beginning -f 'key=%k value=%s\\n'")
                .doesNotContain("struct.pack");
    }

    @Test
    void showsHowToChangeAlphaWhenThereIsAControlTopic() {
        assertThat(welcome("json", "control-topic", "ctl"))
                .contains("kcat -C -b 127.0.0.1:9092 -t out -o beginning -f 'key=%k value=%s headers=%h\\n'")
                .contains("  echo '{\"version\": 1, \"alpha\": 0.5}' | kcat -P -b 127.0.0.1:9092 -t ctl\n");
        assertThat(welcome("json")).doesNotContain("version");
    }

    @Test
    void showsAnEvRecordForABinaryJob() {
        assertThat(welcome("binary"))
                .contains("struct.pack('<2sBBB3xI',b'EV',1,1,1,len(xs))+struct.pack('<%dd'%len(xs),*xs))\" | kcat -P -b"
                        + " 127.0.0.1:9092 -t in -k sensor-1")
                .contains("-t out -o beginning -f 'key=%k %S bytes\\n'")
                .doesNotContain("\"features\":[1.5");
    }

    @Test
    void showsARecordOfTheJobsShape() {
        assertThat(welcome(Map.of("vector-fields", "/user/embedding,/item/vec,/user/b")))
                .contains("echo 'sensor-1|{\"id\":\"a\",\"user\":{\"embedding\":[1.5,-2.0,0.0],\"b\":[1.5,-2.0,0.0]},"
                        + "\"item\":{\"vec\":[1.5,-2.0,0.0]}}' | kcat -P");
        assertThat(welcome(Map.of("vector-fields", "/v/1,/it's", "vector-name./v/1", "second", "dimension", "4")))
                .contains("echo 'sensor-1|{\"id\":\"a\",\"v\":[[1.5,-2.0,0.0,1.5],[1.5,-2.0,0.0,1.5]],"
                        + "\"it'\\''s\":[1.5,-2.0,0.0,1.5]}' | kcat -P");
    }

    @Test
    void showsANumpyProducerAndConsumerForARawJob() {
        assertThat(welcome("raw-float32"))
                .contains("python3 -c \"import numpy as np,sys; sys.stdout.buffer.write(np.array([1.5,-2.0,0.0],'<f4')"
                        + ".tobytes())\" | kcat -P -b 127.0.0.1:9092 -t in -k sensor-1\n")
                .contains("(raw-float32, little-endian: numpy '<f4'. kcat splits stdin at newline bytes: for values that"
                        + " may contain 0x0a, write a file with numpy's .tofile('v.bin') and give it to kcat, one file per"
                        + " record: kcat -P -b 127.0.0.1:9092 -t in -k sensor-1 v.bin)")
                .contains("kcat -C -b 127.0.0.1:9092 -t out -o beginning -f 'key=%k %S bytes\\n' (2 x n elements: f(x),"
                        + " f'(x))\n")
                .contains("kcat -C -b 127.0.0.1:9092 -t out -o beginning -c 1 -f '%s' | python3 -c \"import numpy as np,sys;"
                        + " print(np.frombuffer(sys.stdin.buffer.read(),'<f4').reshape(-1, 3))\"")
                .doesNotContain("struct.pack")
                .doesNotContain("\"features\":[1.5")
                .doesNotContain("BinaryVectors");
    }

    @Test
    void aBigEndianFloat64JobShowsItsDtypeAndEveryBlock() {
        assertThat(welcome("raw-float64", "byte-order", "big-endian", "alpha-gradient", "true", "mode", "activation"))
                .contains("np.array([1.5,-2.0,0.0],'>f8').tobytes())\" | kcat -P -b 127.0.0.1:9092 -t in -k sensor-1\n")
                .contains("(raw-float64, big-endian: numpy '>f8'.")
                .contains("-f 'key=%k %S bytes\\n' (2 x n elements: f(x), df/dalpha)\n")
                .contains("np.frombuffer(sys.stdin.buffer.read(),'>f8').reshape(-1, 3)")
                .doesNotContain("'<f");
        assertThat(welcome("raw-float32", "alpha-gradient", "true"))
                .contains("(3 x n elements: f(x), f'(x), df/dalpha)");
    }
}
