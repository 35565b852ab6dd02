package dev.elustream.codec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * Which arrays of a JSON record the job transforms (job key {@code vector-fields}, JSON pointers) and
 * the names of the members it writes next to each (keys {@code derivative-name},
 * {@code alpha-gradient-name}, {@code input-name}, {@code vector-name.POINTER}); validated when
 * built, so that a job that could never write a record is refused at start-up.
 *
 * <p>Each output member goes into the object that holds the pointer's last member-name token (a
 * token that is not an array index; the record itself for a pointer like {@code /0}), right after
 * that member. Its name comes from a template in which {@code {name}} stands for that member's name,
 * or for the name configured with {@code vector-name.POINTER}, which a pointer ending in an array
 * index needs. The defaults keep today's output for {@code /features}: {@code derivative} and
 * {@code alpha_gradient}; any other member {@code M} gets {@code M_derivative} and
 * {@code M_alpha_gradient}; the input is not kept unless {@code input-name} is set.
 */
public final class JsonVectorFields implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final String KEY_VECTOR_FIELDS = "vector-fields";
    public static final String KEY_DERIVATIVE_NAME = "derivative-name";
    public static final String KEY_ALPHA_GRADIENT_NAME = "alpha-gradient-name";
    public static final String KEY_INPUT_NAME = "input-name";
    /** Prefix of the keys that name the vector of one pointer, e.g. {@code vector-name./vectors/0}. */
    public static final String KEY_VECTOR_NAME_PREFIX = "vector-name.";
    /** What {@link #KEY_VECTOR_FIELDS} is when not set. */
    public static final String DEFAULT_VECTOR_FIELDS = "/features";
    /** The placeholder of the name templates. */
    public static final String NAME = "{name}";

    static final String LEGACY_MEMBER = "features";
    static final String LEGACY_DERIVATIVE = "derivative";
    static final String LEGACY_ALPHA_GRADIENT = "alpha_gradient";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{[^{}]*\\}");

    private static final JsonVectorFields DEFAULT =
            new JsonVectorFields(DEFAULT_VECTOR_FIELDS, null, null, null, Map.of());

    private final String vectorFields;
    private final List<JsonPointer> pointers;
    @Nullable private final String derivativeName;
    @Nullable private final String alphaGradientName;
    @Nullable private final String inputName;
    private final Map<String, String> vectorNames;

    private JsonVectorFields(String vectorFields, @Nullable String derivativeName, @Nullable String alphaGradientName,
            @Nullable String inputName, Map<String, String> vectorNames) {
        this.vectorFields = vectorFields;
        this.pointers = parsePointers(vectorFields);
        this.derivativeName = checkTemplate(KEY_DERIVATIVE_NAME, derivativeName);
        this.alphaGradientName = checkTemplate(KEY_ALPHA_GRADIENT_NAME, alphaGradientName);
        this.inputName = checkTemplate(KEY_INPUT_NAME, inputName);
        Map<String, String> names = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : vectorNames.entrySet()) {
            JsonPointer p = parseKeyPointer(e.getKey());
            if (!pointers.contains(p)) {
                throw new IllegalArgumentException(KEY_VECTOR_NAME_PREFIX + e.getKey() + " names no pointer of "
                        + KEY_VECTOR_FIELDS + " (" + vectorFields + ")");
            }
            String name = Objects.requireNonNull(e.getValue(), "name").trim();
            if (name.isEmpty()) {
                throw new IllegalArgumentException(KEY_VECTOR_NAME_PREFIX + e.getKey() + " must not be empty");
            }
            names.put(p.text(), name);
        }
        this.vectorNames = Collections.unmodifiableMap(names);
        fields(false, false); // the pointers, and the input names; check() adds the mode's outputs
    }

    /** The job's default: the top-level {@code features} array, today's member names. */
    public static JsonVectorFields defaults() {
        return DEFAULT;
    }

    /**
     * Reads the configuration.
     *
     * @param vectorFields comma-separated JSON pointers
     * @param derivativeName template of the derivative members' names, or null for the default
     * @param alphaGradientName template of the alpha-gradient members' names, or null for the default
     * @param inputName template of the members that keep the input array, or null to keep none
     * @param vectorNames per pointer (as written in {@code vectorFields}), the name {@code {name}}
     *     stands for
     * @throws IllegalArgumentException naming the key and the value that is wrong
     */
    public static JsonVectorFields of(String vectorFields, @Nullable String derivativeName,
            @Nullable String alphaGradientName, @Nullable String inputName, Map<String, String> vectorNames) {
        return new JsonVectorFields(vectorFields, derivativeName, alphaGradientName, inputName, vectorNames);
    }

    /** The pointers, in the order configured. */
    public List<JsonPointer> pointers() {
        return pointers;
    }

    /** {@code vector-fields} as configured. */
    public String vectorFields() {
        return vectorFields;
    }

    public Optional<String> derivativeName() {
        return Optional.ofNullable(derivativeName);
    }

    public Optional<String> alphaGradientName() {
        return Optional.ofNullable(alphaGradientName);
    }

    public Optional<String> inputName() {
        return Optional.ofNullable(inputName);
    }

    /** Per pointer text, the name configured with {@code vector-name.POINTER}. */
    public Map<String, String> vectorNames() {
        return vectorNames;
    }

    /** Whether this is the default: {@code /features} alone, with today's names. */
    public boolean isDefault() {
        return equals(DEFAULT);
    }

    /**
     * Checks that the members a job with this output writes collide with nothing it selects or
     * writes.
     *
     * @throws IllegalArgumentException naming the pointers and the member that collide
     */
    public void check(OutputMode mode, boolean alphaGradient) {
        fields(mode == OutputMode.BOTH, alphaGradient);
    }

    /** One selected array and where its outputs go. */
    record Field(JsonPointer pointer, int anchor, @Nullable String derivative, @Nullable String alphaGradient,
            @Nullable String input) {

        /** The tokens of the object that receives the outputs. */
        List<String> container() {
            return pointer.tokens().subList(0, anchor);
        }

        /** The outputs' names, in the order they are written. */
        List<String> outputs() {
            List<String> out = new ArrayList<>(3);
            for (String name : new String[] {derivative, alphaGradient, input}) {
                if (name != null) {
                    out.add(name);
                }
            }
            return Collections.unmodifiableList(out);
        }
    }

    /**
     * The fields with the outputs of a job in that mode, checked for collisions.
     *
     * @throws IllegalArgumentException for a name that cannot be resolved or a collision
     */
    List<Field> fields(boolean derivative, boolean alphaGradient) {
        List<Field> fields = new ArrayList<>();
        for (JsonPointer p : pointers) {
            List<String> tokens = p.tokens();
            int anchor = 0;
            for (int i = tokens.size() - 1; i > 0; i--) {
                if (JsonPointer.arrayIndex(tokens.get(i)) < 0) {
                    anchor = i;
                    break;
                }
            }
            String configured = vectorNames.get(p.text());
            boolean legacy = configured == null && tokens.equals(List.of(LEGACY_MEMBER));
            String base;
            if (configured != null) {
                base = configured;
            } else if (anchor == tokens.size() - 1) {
                base = tokens.get(anchor);
            } else {
                base = null;
            }
            boolean needsName = base == null
                    && ((derivative && (derivativeName == null || derivativeName.contains(NAME)))
                    || (alphaGradient && (alphaGradientName == null || alphaGradientName.contains(NAME)))
                    || (inputName != null && inputName.contains(NAME)));
            if (needsName) {
                throw new IllegalArgumentException(KEY_VECTOR_FIELDS + " " + p.text() + " ends in an array index, which"
                        + " has no member name for the members written next to it: set " + KEY_VECTOR_NAME_PREFIX
                        + p.text() + " (e.g. " + KEY_VECTOR_NAME_PREFIX + p.text() + "="
                        + String.join("_", tokens.subList(anchor, tokens.size())) + ")");
            }
            fields.add(new Field(p, anchor,
                    derivative ? name(derivativeName, base, legacy ? LEGACY_DERIVATIVE : base + "_derivative") : null,
                    alphaGradient ? name(alphaGradientName, base, legacy ? LEGACY_ALPHA_GRADIENT : base + "_alpha_gradient")
                            : null,
                    inputName == null ? null : name(inputName, base, null)));
        }
        checkCollisions(fields);
        return fields;
    }

    private static String name(@Nullable String template, @Nullable String base, @Nullable String fallback) {
        return template == null ? fallback : template.replace(NAME, base == null ? "" : base);
    }

    private void checkCollisions(List<Field> fields) {
        for (int i = 0; i < fields.size(); i++) {
            JsonPointer p = fields.get(i).pointer();
            for (int j = 0; j < fields.size(); j++) {
                if (i != j && p.isPrefixOf(fields.get(j).pointer().tokens())) {
                    JsonPointer q = fields.get(j).pointer();
                    throw new IllegalArgumentException(KEY_VECTOR_FIELDS + " " + (p.equals(q)
                            ? "names " + p.text() + " twice"
                            : p.text() + " and " + q.text() + " overlap: one lies inside the other"));
                }
            }
        }
        Map<List<String>, String> written = new LinkedHashMap<>();
        for (Field f : fields) {
            String[] names = {f.derivative(), f.alphaGradient(), f.input()};
            String[] kinds = {"the derivative", "the alpha gradient", "the input"};
            for (int k = 0; k < names.length; k++) {
                String name = names[k];
                if (name == null) {
                    continue;
                }
                List<String> member = new ArrayList<>(f.container());
                member.add(name);
                String what = kinds[k] + " of " + f.pointer().text();
                String earlier = written.putIfAbsent(member, what);
                if (earlier != null) {
                    throw new IllegalArgumentException("the job would write " + pointerText(member) + " twice: as "
                            + earlier + " and as " + what + "; choose other names (" + KEY_DERIVATIVE_NAME + ", "
                            + KEY_ALPHA_GRADIENT_NAME + ", " + KEY_INPUT_NAME + ", " + KEY_VECTOR_NAME_PREFIX
                            + "POINTER)");
                }
                for (Field g : fields) {
                    if (g.pointer().tokens().size() >= member.size()
                            && g.pointer().tokens().subList(0, member.size()).equals(member)) {
                        throw new IllegalArgumentException("the job would write " + pointerText(member) + " as "
                                + what + ", but " + KEY_VECTOR_FIELDS + " selects " + g.pointer().text()
                                + ": choose another name");
                    }
                }
            }
        }
    }

    /** A member path written as a pointer. */
    static String pointerText(List<String> tokens) {
        StringBuilder sb = new StringBuilder();
        for (String t : tokens) {
            sb.append('/').append(JsonPointer.escape(t));
        }
        return sb.toString();
    }

    private static List<JsonPointer> parsePointers(String vectorFields) {
        Objects.requireNonNull(vectorFields, KEY_VECTOR_FIELDS);
        List<JsonPointer> out = new ArrayList<>();
        for (String part : vectorFields.split(",", -1)) {
            String text = part.trim();
            if (text.isEmpty()) {
                throw new IllegalArgumentException(KEY_VECTOR_FIELDS + " must be a comma-separated list of JSON pointers"
                        + " such as /features or /user/embedding,/item/vec, got '" + vectorFields + "'");
            }
            try {
                out.add(JsonPointer.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(KEY_VECTOR_FIELDS + ": " + e.getMessage(), e);
            }
        }
        return Collections.unmodifiableList(out);
    }

    private static JsonPointer parseKeyPointer(String text) {
        try {
            return JsonPointer.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(KEY_VECTOR_NAME_PREFIX + text + ": " + e.getMessage(), e);
        }
    }

    @Nullable
    private static String checkTemplate(String key, @Nullable String template) {
        if (template == null) {
            return null;
        }
        String t = template.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException(key + " must not be empty");
        }
        Matcher m = PLACEHOLDER.matcher(t);
        while (m.find()) {
            if (!m.group().equals(NAME)) {
                throw new IllegalArgumentException(key + " has the placeholder " + m.group() + ", but the only one is "
                        + NAME + ", got '" + template + "'");
            }
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonVectorFields f && f.pointers.equals(pointers)
                && Objects.equals(f.derivativeName, derivativeName) && Objects.equals(f.alphaGradientName, alphaGradientName)
                && Objects.equals(f.inputName, inputName) && f.vectorNames.equals(vectorNames);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pointers, derivativeName, alphaGradientName, inputName, vectorNames);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(vectorFields);
        derivativeName().ifPresent(t -> sb.append(", ").append(KEY_DERIVATIVE_NAME).append('=').append(t));
        alphaGradientName().ifPresent(t -> sb.append(", ").append(KEY_ALPHA_GRADIENT_NAME).append('=').append(t));
        inputName().ifPresent(t -> sb.append(", ").append(KEY_INPUT_NAME).append('=').append(t));
        vectorNames.forEach((p, n) -> sb.append(", ").append(KEY_VECTOR_NAME_PREFIX).append(p).append('=').append(n));
        return sb.toString();
    }
}
