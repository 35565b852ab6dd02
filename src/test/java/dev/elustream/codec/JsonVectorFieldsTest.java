package dev.elustream.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pointer syntax, output names and the start-up refusals of {@code vector-fields} and its name keys. */
class JsonVectorFieldsTest {

    private static JsonVectorFields fields(String pointers) {
        return JsonVectorFields.of(pointers, null, null, null, Map.of());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /features          | features
            /user/embedding    | user,embedding
            /a~1b/c~0d         | a/b,c~d
            /~01               | ~1
            /vectors/0         | vectors,0
            /                  | ''
            /a//b              | a,,b
            /a b/ü             | a b,ü
            """)
    void parsesPointersWithTheirEscapes(String pointer, String tokens) {
        List<String> expected = tokens.isEmpty() ? List.of("") : List.of(tokens.split(",", -1));
        assertThat(JsonPointer.parse(pointer).tokens()).isEqualTo(expected);
        assertThat(JsonPointer.parse(pointer).text()).isEqualTo(pointer);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            features        | 'features' is not a JSON pointer: it must start with '/', e.g. /features
            /a~2            | '/a~2' has '~' at position 2 not followed by 0 or 1: a JSON pointer writes '~' as ~0 and '/' as ~1
            /a~             | '/a~' has '~' at position 2 not followed by 0 or 1: a JSON pointer writes '~' as ~0 and '/' as ~1
            """)
    void refusesMalformedPointers(String pointer, String message) {
        assertThatThrownBy(() -> JsonPointer.parse(pointer)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void refusesTheEmptyPointerAndEmptyListEntries() {
        assertThatThrownBy(() -> JsonPointer.parse("")).hasMessage(
                "'' (the empty pointer) names the whole record, which is an object: name an array inside it, e.g. /features");
        assertThatThrownBy(() -> fields("/a,,/b")).hasMessage("vector-fields must be a comma-separated list of JSON"
                + " pointers such as /features or /user/embedding,/item/vec, got '/a,,/b'");
        assertThatThrownBy(() -> fields("")).hasMessageStartingWith("vector-fields must be a comma-separated list");
        assertThatThrownBy(() -> fields("/a,x")).hasMessage(
                "vector-fields: 'x' is not a JSON pointer: it must start with '/', e.g. /x");
    }

    @Test
    void refusesPointersDeeperThanTheLimit() {
        String deep = "/a".repeat(JsonPointer.MAX_TOKENS + 1);
        assertThatThrownBy(() -> JsonPointer.parse(deep)).hasMessageEndingWith("has 101 tokens, more than 100");
        assertThat(JsonPointer.parse("/a".repeat(JsonPointer.MAX_TOKENS)).tokens()).hasSize(100);
    }

    @Test
    void tellsArrayIndexTokens() {
        assertThat(JsonPointer.arrayIndex("0")).isZero();
        assertThat(JsonPointer.arrayIndex("17")).isEqualTo(17);
        assertThat(JsonPointer.arrayIndex("01")).isEqualTo(-1);
        assertThat(JsonPointer.arrayIndex("-")).isEqualTo(-1);
        assertThat(JsonPointer.arrayIndex("1a")).isEqualTo(-1);
        assertThat(JsonPointer.arrayIndex("")).isEqualTo(-1);
        assertThat(JsonPointer.arrayIndex("9999999999")).isEqualTo(-1);
    }

    @Test
    void namesTheOutputsOfFeaturesAsTodayAndOfAnyOtherMemberAfterIt() {
        List<JsonVectorFields.Field> f = fields("/features,/user/embedding").fields(true, true);
        assertThat(f.get(0).outputs()).containsExactly("derivative", "alpha_gradient");
        assertThat(f.get(0).container()).isEmpty();
        assertThat(f.get(1).outputs()).containsExactly("embedding_derivative", "embedding_alpha_gradient");
        assertThat(f.get(1).container()).containsExactly("user");
        assertThat(fields("/features").fields(false, false).get(0).outputs()).isEmpty();
        assertThat(JsonVectorFields.defaults().isDefault()).isTrue();
        assertThat(fields(" /features ").isDefault()).isTrue();
        assertThat(fields("/features,/x").isDefault()).isFalse();
    }

    @Test
    void expandsTheTemplatesAndTheConfiguredVectorNames() {
        JsonVectorFields f = JsonVectorFields.of("/user/embedding,/vectors/0", "d_{name}", "{name}.da", "{name}_x",
                Map.of("/vectors/0", "first"));
        List<JsonVectorFields.Field> out = f.fields(true, true);
        assertThat(out.get(0).outputs()).containsExactly("d_embedding", "embedding.da", "embedding_x");
        assertThat(out.get(1).outputs()).containsExactly("d_first", "first.da", "first_x");
        assertThat(out.get(1).container()).isEmpty();
        assertThat(out.get(1).anchor()).isZero();
        assertThat(JsonVectorFields.of("/features", "grad", null, null, Map.of()).fields(true, false).get(0).outputs())
                .containsExactly("grad");
    }

    @Test
    void placesTheOutputsOfAnIndexPointerInTheObjectThatHoldsItsLastMember() {
        JsonVectorFields.Field f = JsonVectorFields.of("/batch/2/emb/0/1", null, null, null,
                Map.of("/batch/2/emb/0/1", "v")).fields(true, false).get(0);
        assertThat(f.container()).containsExactly("batch", "2");
        assertThat(f.outputs()).containsExactly("v_derivative");
        // a record's first token is always a member, whatever it looks like
        assertThat(fields("/0").fields(true, false).get(0).outputs()).containsExactly("0_derivative");
    }

    @Test
    void refusesAnIndexPointerWithoutAVectorNameWhereItsOutputsNeedOne() {
        JsonVectorFields f = fields("/vectors/0");
        assertThatThrownBy(() -> f.check(OutputMode.BOTH, false)).hasMessage("vector-fields /vectors/0 ends in an array"
                + " index, which has no member name for the members written next to it: set vector-name./vectors/0"
                + " (e.g. vector-name./vectors/0=vectors_0)");
        // nothing is written next to it in mode activation: nothing to name
        f.check(OutputMode.ACTIVATION, false);
        assertThatThrownBy(() -> f.check(OutputMode.ACTIVATION, true)).hasMessageStartingWith(
                "vector-fields /vectors/0 ends in an array index");
        // a template without {name} names it
        JsonVectorFields.of("/vectors/0", "v0_derivative", null, null, Map.of()).check(OutputMode.BOTH, false);
        assertThatThrownBy(() -> JsonVectorFields.of("/vectors/0", null, null, "{name}_in", Map.of()))
                .hasMessageStartingWith("vector-fields /vectors/0 ends in an array index");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /a,/a          | vector-fields names /a twice
            /a,/a/b        | vector-fields /a and /a/b overlap: one lies inside the other
            /a/b/c,/a/b    | vector-fields /a/b and /a/b/c overlap: one lies inside the other
            """)
    void refusesOverlappingPointers(String pointers, String message) {
        assertThatThrownBy(() -> fields(pointers)).hasMessage(message);
    }

    @Test
    void refusesOutputNamesThatCollide() {
        // nothing is written in mode activation, so nothing collides
        fields("/a/x,/b/x,/a/x_derivative").check(OutputMode.ACTIVATION, false);
        assertThatThrownBy(() -> fields("/a/x,/a/x_derivative").check(OutputMode.BOTH, false)).hasMessage(
                "the job would write /a/x_derivative as the derivative of /a/x, but vector-fields selects"
                + " /a/x_derivative: choose another name");
        assertThatThrownBy(() -> JsonVectorFields.of("/u/a,/u/b", "grad", null, null, Map.of())
                .check(OutputMode.BOTH, false)).hasMessage("the job would write /u/grad twice: as the derivative of /u/a"
                + " and as the derivative of /u/b; choose other names (derivative-name, alpha-gradient-name,"
                + " input-name, vector-name.POINTER)");
        assertThatThrownBy(() -> JsonVectorFields.of("/v/0,/v/1", null, null, null, Map.of("/v/0", "v", "/v/1", "v"))
                .check(OutputMode.BOTH, false)).hasMessageStartingWith("the job would write /v_derivative twice");
        assertThatThrownBy(() -> JsonVectorFields.of("/features", "{name}", null, null, Map.of())
                .check(OutputMode.BOTH, false)).hasMessageStartingWith("the job would write /features as the"
                + " derivative of /features, but vector-fields selects /features");
        assertThatThrownBy(() -> JsonVectorFields.of("/x", "same", "same", null, Map.of())
                .check(OutputMode.BOTH, true)).hasMessageStartingWith("the job would write /same twice: as the"
                + " derivative of /x and as the alpha gradient of /x");
        // an output name through which another pointer goes
        assertThatThrownBy(() -> fields("/emb,/emb_derivative/x").check(OutputMode.BOTH, false))
                .hasMessage("the job would write /emb_derivative as the derivative of /emb, but vector-fields selects"
                        + " /emb_derivative/x: choose another name");
        // the same names in different objects are fine
        fields("/a/x,/b/x").check(OutputMode.BOTH, true);
    }

    @Test
    void refusesBadTemplatesAndVectorNames() {
        assertThatThrownBy(() -> JsonVectorFields.of("/a", "{nmae}_d", null, null, Map.of())).hasMessage(
                "derivative-name has the placeholder {nmae}, but the only one is {name}, got '{nmae}_d'");
        assertThatThrownBy(() -> JsonVectorFields.of("/a", null, " ", null, Map.of()))
                .hasMessage("alpha-gradient-name must not be empty");
        assertThatThrownBy(() -> JsonVectorFields.of("/a", null, null, null, Map.of("/b", "x")))
                .hasMessage("vector-name./b names no pointer of vector-fields (/a)");
        assertThatThrownBy(() -> JsonVectorFields.of("/a", null, null, null, Map.of("/a", "")))
                .hasMessage("vector-name./a must not be empty");
        assertThatThrownBy(() -> JsonVectorFields.of("/a", null, null, null, Map.of("a", "x")))
                .hasMessage("vector-name.a: 'a' is not a JSON pointer: it must start with '/', e.g. /a");
    }

    @Test
    void describesItselfWithEveryKeySet() {
        assertThat(JsonVectorFields.of("/v/0", "d", null, "{name}_in", Map.of("/v/0", "v")).toString())
                .isEqualTo("/v/0, derivative-name=d, input-name={name}_in, vector-name./v/0=v");
    }
}
