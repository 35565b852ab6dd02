package dev.elustream.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ActivationKind;
import dev.elustream.math.Alpha;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParameterUpdateTest {

    private static ParameterUpdate parse(String json) throws VectorRejectedException {
        return ParameterUpdate.parse(json.getBytes(UTF_8), ActivationKind.ELU, 3, ElementType.FLOAT64);
    }

    @Test
    void readsOneAlpha() throws Exception {
        ParameterUpdate u = parse("{\"version\": 7, \"alpha\": 0.75}");
        assertThat(u.version()).isEqualTo(7);
        assertThat(u.alpha()).isEqualTo(Alpha.of(0.75));
        // members in any order, an integer alpha, whitespace
        assertThat(parse(" {\"alpha\":2,\"version\":1} \n").alpha()).isEqualTo(Alpha.of(2.0));
    }

    @Test
    void readsOneAlphaPerElement() throws Exception {
        ParameterUpdate u = parse("{\"version\": 8, \"alpha\": [0.9, 0.8, 1e-3]}");
        assertThat(u.version()).isEqualTo(8);
        assertThat(u.alpha().isPerElement()).isTrue();
        assertThat(u.alpha().values()).containsExactly(0.9, 0.8, 0.001);
    }

    @Test
    void writesWhatItReads() throws Exception {
        for (String json : new String[] {"{\"version\":7,\"alpha\":0.75}", "{\"version\":0,\"alpha\":[0.1,2.0,4.9E-324]}",
            "{\"version\":9223372036854775807,\"alpha\":1.0E300}"}) {
            ParameterUpdate u = parse(json);
            assertThat(u.toJson()).isEqualTo(json);
            assertThat(parse(u.toJson())).isEqualTo(u);
        }
        // alpha to the last bit
        double alpha = Math.nextUp(0.1);
        ParameterUpdate u = new ParameterUpdate(3, Alpha.of(alpha));
        assertThat(parse(u.toJson()).alpha().value()).isEqualTo(alpha);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "not json|the control record is not valid JSON",
        "[1,2]|the control record is an array, expected a JSON object",
        "\"x\"|the control record is the string \"x\", expected a JSON object",
        "{\"version\":1,\"alpha\":0.5} x|not valid JSON",
        "{\"version\":1,\"alpha\":0.5}{}|the control record has content after its JSON object",
        "{\"alpha\":0.5}|the control record has no version",
        "{\"version\":1}|the control record (version 1) has no alpha",
        "{\"version\":1,\"alpha\":0.5,\"beta\":2}|the control record has an unknown member 'beta': it takes version and alpha only",
        "{\"version\":1,\"version\":2,\"alpha\":0.5}|Duplicate field 'version'",
        "{\"version\":1.5,\"alpha\":0.5}|the control record's version is the number 1.5, expected an integer >= 0",
        "{\"version\":\"1\",\"alpha\":0.5}|the control record's version is the string \"1\", expected an integer >= 0",
        "{\"version\":-1,\"alpha\":0.5}|version must be an integer between 0 and 9223372036854775807, got -1",
        "{\"version\":99999999999999999999,\"alpha\":0.5}|version must be an integer between 0 and",
        "{\"version\":1,\"alpha\":\"0.5\"}|the control record's alpha is the string \"0.5\", expected a number or an array of numbers",
        "{\"version\":1,\"alpha\":null}|the control record's alpha is null, expected a number or an array of numbers",
        "{\"version\":1,\"alpha\":-0.5}|version 1: alpha must be finite and >= 0 for activation elu, got -0.5",
        "{\"version\":1,\"alpha\":1e400}|the control record's alpha = 1e400 is not a finite double",
        "{\"version\":1,\"alpha\":[]}|the control record's alpha is an empty array",
        "{\"version\":1,\"alpha\":[1,2]}|version 1: the per-element alpha has 2 elements, the job's dimension is 3",
        "{\"version\":1,\"alpha\":[1,2,3,4]}|the per-element alpha has 4 elements, the job's dimension is 3",
        "{\"version\":1,\"alpha\":[1,\"2\",3]}|the control record's alpha[1] is the string \"2\", expected a number",
        "{\"version\":1,\"alpha\":[1,[2],3]}|the control record's alpha[1] is an array, expected a number",
        "{\"version\":1,\"alpha\":[1,-2,3]}|version 1: alpha[1] must be finite and >= 0 for activation elu, got -2.0",
    })
    void refusesWithTheReason(String jsonAndReason) {
        String json = jsonAndReason.substring(0, jsonAndReason.indexOf('|'));
        String reason = jsonAndReason.substring(jsonAndReason.indexOf('|') + 1);
        assertThatThrownBy(() -> parse(json))
                .isInstanceOfSatisfying(VectorRejectedException.class,
                        e -> assertThat(e.kind()).isEqualTo(RejectKind.INVALID_PARAMETERS))
                .hasMessageContaining(reason);
    }

    @Test
    void takesTheNextUpdateOnlyAboveTheVersionInForce() throws Exception {
        ParameterUpdate current = new ParameterUpdate(3, Alpha.of(1.0));
        ParameterUpdate next = ParameterUpdate.next(current, "{\"version\":4,\"alpha\":[0.5,1,2]}".getBytes(UTF_8),
                ActivationKind.ELU, 3, ElementType.FLOAT64);
        assertThat(next).isEqualTo(new ParameterUpdate(4, Alpha.perElement(new double[] {0.5, 1.0, 2.0})));
        for (String version : new String[] {"3", "2", "0"}) {
            assertThatThrownBy(() -> ParameterUpdate.next(current, ("{\"version\":" + version + ",\"alpha\":0.5}")
                    .getBytes(UTF_8), ActivationKind.ELU, 3, ElementType.FLOAT64))
                    .isInstanceOfSatisfying(VectorRejectedException.class,
                            e -> assertThat(e.kind()).isEqualTo(RejectKind.INVALID_PARAMETERS))
                    .hasMessage("the control record's version " + version + " is not above the version in force, 3:"
                            + " versions must increase");
        }
        // a record that is not an update is refused for that, whatever its version
        assertThatThrownBy(() -> ParameterUpdate.next(current, "{\"version\":9}".getBytes(UTF_8), ActivationKind.ELU, 3,
                ElementType.FLOAT64)).hasMessage("the control record (version 9) has no alpha");
    }

    @Test
    void refusesEmptyValuesAndTombstones() {
        assertThatThrownBy(() -> ParameterUpdate.parse(null, ActivationKind.ELU, 3, ElementType.FLOAT64))
                .hasMessageContaining("the control record has no value (a tombstone)");
        assertThatThrownBy(() -> ParameterUpdate.parse(new byte[0], ActivationKind.ELU, 3, ElementType.FLOAT64))
                .hasMessageContaining("the control record has no value (empty)");
    }

    @Test
    void appliesTheRulesOfTheJob() {
        byte[] perElement = "{\"version\":2,\"alpha\":[1,2,3]}".getBytes(UTF_8);
        assertThatThrownBy(() -> ParameterUpdate.parse(perElement, ActivationKind.ELU, 0, ElementType.FLOAT64))
                .hasMessageContaining("version 2: a per-element alpha needs the job's dimension set");
        assertThatThrownBy(() -> ParameterUpdate.parse(perElement, ActivationKind.SELU, 3, ElementType.FLOAT64))
                .hasMessageContaining("activation selu has a fixed alpha");
        assertThatThrownBy(() -> ParameterUpdate.parse("{\"version\":2,\"alpha\":0}".getBytes(UTF_8), ActivationKind.CELU,
                3, ElementType.FLOAT64)).hasMessageContaining("alpha must be finite and > 0 for activation celu, got 0.0");
        assertThatThrownBy(() -> ParameterUpdate.parse("{\"version\":2,\"alpha\":1e39}".getBytes(UTF_8), ActivationKind.ELU,
                3, ElementType.FLOAT32)).hasMessageContaining("alpha must be at most 3.4028235E38 with precision float32");
    }

    @Test
    void refusesAHugeAlphaArrayWithoutHoldingIt() {
        StringBuilder sb = new StringBuilder("{\"version\":1,\"alpha\":[");
        for (int i = 0; i <= 1 << 20; i++) {
            sb.append(i == 0 ? "" : ",").append('1');
        }
        byte[] value = sb.append("]}").toString().getBytes(UTF_8);
        assertThatThrownBy(() -> ParameterUpdate.parse(value, ActivationKind.ELU, 3, ElementType.FLOAT64))
                .hasMessageContaining("has more than 1048576 elements");
    }
}
