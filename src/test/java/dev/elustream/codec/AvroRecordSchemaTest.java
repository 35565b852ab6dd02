package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Avro schema of a job: the output schema it derives, and every schema it refuses at start-up. */
class AvroRecordSchemaTest {

    private static AvroRecordSchema of(String json, String vectorFields) {
        return AvroRecordSchema.of(json, "test.avsc", AvroEncoding.BINARY,
                JsonVectorFields.of(vectorFields, null, null, null, Map.of()), OutputMode.BOTH, true);
    }

    private static String record(String fields) {
        return "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"t\",\"fields\":[" + fields + "]}";
    }

    @Test
    void addsTheOutputsNextToEachVectorWithDefaultsAndTheSameNames() {
        AvroRecordSchema s = AvroTestSupport.schema(AvroEncoding.BINARY, "/features,/user/embedding", OutputMode.BOTH,
                true);
        Schema out = s.outputSchema();
        assertThat(out.getFullName()).isEqualTo("example.Features");
        assertThat(out.getFields()).extracting(Schema.Field::name)
                .containsExactly("id", "features", "derivative", "alpha_gradient", "user", "tags", "event_time");
        Schema user = AvroRecordSchema.nonNull(out.getField("user").schema());
        assertThat(user.getFullName()).isEqualTo("example.User");
        assertThat(user.getFields()).extracting(Schema.Field::name)
                .containsExactly("id", "embedding", "embedding_derivative", "embedding_alpha_gradient");
        assertThat(out.getField("derivative").schema()).isEqualTo(Schema.createArray(Schema.create(Schema.Type.DOUBLE)));
        assertThat(user.getField("embedding_derivative").schema())
                .isEqualTo(Schema.createArray(Schema.create(Schema.Type.FLOAT)));
        assertThat(out.getField("derivative").defaultVal()).isEqualTo(List.of());
        // everything else as it was: the logical type, the map, the doc
        assertThat(out.getField("event_time").schema().getLogicalType().getName()).isEqualTo("timestamp-millis");
        assertThat(out.getField("tags").schema()).isEqualTo(s.inputSchema().getField("tags").schema());
        assertThat(out.getDoc()).isEqualTo(s.inputSchema().getDoc());
        // the input schema itself is untouched
        assertThat(s.inputSchema().getFields()).hasSize(5);
        assertThat(s.describe()).isEqualTo("avro binary example.Features (features.avsc)");
    }

    @Test
    void writesNoNewFieldInModeActivationWithoutGradient() {
        AvroRecordSchema s = AvroTestSupport.schema(AvroEncoding.BINARY, "/features", OutputMode.ACTIVATION, false);
        assertThat(s.outputSchema()).isEqualTo(s.inputSchema());
    }

    @Test
    void copiesRecursiveTypesOffThePathAndRefusesOneOnIt() {
        AvroRecordSchema s = of(record("{\"name\":\"v\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
                + "{\"name\":\"tree\",\"type\":{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
                + "{\"name\":\"children\",\"type\":{\"type\":\"array\",\"items\":\"Node\"}}]}}"), "/v");
        Schema node = s.outputSchema().getField("tree").schema();
        assertThat(node.getField("children").schema().getElementType()).isSameAs(node);
        assertThat(s.outputSchema().getField("v_derivative")).isNotNull();
        // a list of itself: every 'next' would get the fields too, and never be transformed
        assertThatThrownBy(() -> of(record("{\"name\":\"v\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
                + "{\"name\":\"next\",\"type\":[\"null\",\"R\"],\"default\":null}"), "/v"))
                .hasMessage("vector-fields /v: record type t.R is used in more than one place in avro-schema test.avsc,"
                        + " and the job would add fields to every use of it; give the selected record a type of its own");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // top level: not a record
        "\"string\"|/features|avro-schema test.avsc is string, expected a record (a Kafka value is one record)",
        // no such field, with the fields there are
        "R1|/vec|vector-fields /vec: record t.R has no field 'vec'; its fields: id, features, user",
        // an array index
        "R1|/features/0|vector-fields /features/0: '0' is an array index, but Avro pointers name record fields only",
        // the last field of the wrong type
        "R1|/id|vector-fields /id: field 'id' of t.R is string, expected array<double> or array<float> (or a union of"
                + " null and one of them)",
        "R2|/ints|vector-fields /ints: field 'ints' of t.R is array<int>, expected array<double> or array<float> (or a"
                + " union of null and one of them)",
        "R2|/three|vector-fields /three: field 'three' of t.R is union [null, string, array<double>], expected"
                + " array<double> or array<float> (or a union of null and one of them)",
        "R2|/nested|vector-fields /nested: field 'nested' of t.R is array<array<double>>, expected array<double> or"
                + " array<float> (or a union of null and one of them)",
        // through something that is not a record
        "R1|/id/x|vector-fields /id/x: field 'id' of t.R is string, expected a record (or a union of null and a record)",
        "R1|/user/e/x|vector-fields /user/e/x: field 'e' of t.U is array<float>, expected a record (or a union of null"
                + " and a record)",
        // a field of the name the job would write
        "R3|/features|avro-schema test.avsc: record t.R already has a field 'derivative', which the job would write as"
                + " the derivative of /features; choose another name (derivative-name, alpha-gradient-name, input-name,"
                + " vector-name.POINTER)",
        // a record type used twice
        "R4|/a/e|vector-fields /a/e: record type t.U is used in more than one place in avro-schema test.avsc, and the"
                + " job would add fields to every use of it; give the selected record a type of its own",
    })
    void refusesASchemaThatDoesNotFitTheVectorFields(String schema, String pointer, String message) {
        String json = switch (schema) {
            case "R1" -> record("{\"name\":\"id\",\"type\":\"string\"},"
                    + "{\"name\":\"features\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
                    + "{\"name\":\"user\",\"type\":{\"type\":\"record\",\"name\":\"U\",\"fields\":["
                    + "{\"name\":\"e\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}]}}");
            case "R2" -> record("{\"name\":\"ints\",\"type\":{\"type\":\"array\",\"items\":\"int\"}},"
                    + "{\"name\":\"three\",\"type\":[\"null\",\"string\",{\"type\":\"array\",\"items\":\"double\"}]},"
                    + "{\"name\":\"nested\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":\"double\"}}}");
            case "R3" -> record("{\"name\":\"features\",\"type\":{\"type\":\"array\",\"items\":\"double\"}},"
                    + "{\"name\":\"derivative\",\"type\":\"string\"}");
            case "R4" -> record("{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"U\",\"fields\":["
                    + "{\"name\":\"e\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}]}},"
                    + "{\"name\":\"b\",\"type\":\"U\"}");
            default -> schema;
        };
        assertThatThrownBy(() -> of(json, pointer)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void refusesWhatIsNotAnAvroSchemaNamingTheFile() {
        assertThatThrownBy(() -> of("{\"type\":\"record\"", "/features")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("avro-schema test.avsc is not a valid Avro schema: ");
        assertThatThrownBy(() -> AvroRecordSchema.load(Path.of("no", "such.avsc"), AvroEncoding.BINARY,
                JsonVectorFields.defaults(), OutputMode.BOTH, false))
                .hasMessage("avro-schema " + Path.of("no", "such.avsc") + " does not exist");
    }

    @Test
    void refusesOutputNamesThatAvroDoesNotAllow() {
        String json = record("{\"name\":\"features\",\"type\":{\"type\":\"array\",\"items\":\"double\"}}");
        assertThatThrownBy(() -> AvroRecordSchema.of(json, "test.avsc", AvroEncoding.BINARY,
                JsonVectorFields.of("/features", "d-{name}", null, null, Map.of()), OutputMode.BOTH, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("avro-schema test.avsc: the output schema cannot be built: ")
                .hasMessageContaining("d-features")
                .hasMessageEndingWith("(Avro names: letters, digits and _, not starting with a digit; set"
                        + " derivative-name and the other name keys to such names)");
    }
}
