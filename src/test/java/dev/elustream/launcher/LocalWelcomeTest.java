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

    private static String welcome(String format) {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap-servers", "127.0.0.1:9092");
        m.put("input-topic", "in");
        m.put("output-topic", "out");
        m.put("dead-letter-topic", "dlq");
        m.put("format", format);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LocalCommand.printWelcome(JobConfig.fromMap(m), 8081, true, new PrintStream(bytes, true, UTF_8));
        return bytes.toString(UTF_8);
    }

    @Test
    void showsAJsonRecordForAJsonJob() {
        assertThat(welcome("json"))
                .contains("echo 'sensor-1|{\"id\":\"a\",\"features\":[1.5,-2.0,0.0]}' | kcat -P -b 127.0.0.1:9092 -t in -K '|'")
                .contains("kcat -C -b 127.0.0.1:9092 -t out -o beginning -f 'key=%k value=%s\\n'")
                .doesNotContain("struct.pack");
    }

    @Test
    void showsAnEvRecordForABinaryJob() {
        assertThat(welcome("binary"))
                .contains("struct.pack('<2sBBB3xI',b'EV',1,1,1,len(xs))+struct.pack('<%dd'%len(xs),*xs))\" | kcat -P -b"
                        + " 127.0.0.1:9092 -t in -k sensor-1")
                .contains("-t out -o beginning -f 'key=%k %S bytes\\n'")
                .doesNotContain("\"features\":[1.5");
    }
}
