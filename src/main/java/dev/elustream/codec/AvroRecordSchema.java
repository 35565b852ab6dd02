package dev.elustream.codec;

import dev.elustream.codec.BinaryVectors.ElementType;
import dev.elustream.math.ArrayActivation;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The Avro schema of a job's input (job keys {@code avro-schema}, {@code avro-encoding}), checked at
 * start-up against the vector fields, and the output schema derived from it.
 *
 * <p>A pointer of {@code vector-fields} names record fields, one per token ({@code /user/embedding}):
 * every token but the last a field of record type (or a union of null and a record), the last a field
 * of type {@code array<double>} or {@code array<float>} (or a union of null and one of them). A schema
 * in which a pointer does not resolve so is refused, naming the pointer, the field and the type found.
 *
 * <p>The output schema is the input schema with the fields the job writes (derivative, alpha gradient,
 * input copy; names as for JSON, {@link JsonVectorFields}) added right after each vector field, arrays
 * of the vector's element type with the default {@code []}. Every record keeps its full name, so the
 * output schema is a backward-compatible evolution of the input schema: a consumer that still reads
 * with the input schema skips the new fields.
 *
 * <p>Serializable: it carries the schema's text, so that TaskManagers need no schema file.
 */
public final class AvroRecordSchema implements RecordSchema {

    private static final long serialVersionUID = 1L;

    public static final String KEY_SCHEMA = "avro-schema";
    public static final String KEY_ENCODING = "avro-encoding";
    public static final String KEY_REGISTRY_URL = "avro-registry-url";
    public static final String KEY_REGISTRY_SUBJECT = "avro-registry-subject";
    public static final String KEY_REGISTRY_BASIC_AUTH = "avro-registry-basic-auth";

    /**
     * Where {@code avro-encoding=confluent} finds writer schemas by id and registers the output
     * schema.
     *
     * @param url the registry's Confluent-compatible base URL
     * @param basicAuth {@code user:password}, or null
     * @param subject the subject the output schema is registered under; null until the job sets it
     *     (the output topic's {@code -value} subject by default)
     */
    public record Registry(String url, @Nullable String basicAuth, @Nullable String subject) implements Serializable {

        private static final long serialVersionUID = 1L;

        public Registry {
            Objects.requireNonNull(url, "url");
        }

        /** A client of this registry (30 s per call). */
        public SchemaRegistryClient client() {
            return new SchemaRegistryClient(url, basicAuth, java.time.Duration.ofSeconds(30));
        }

        @Override
        public String toString() {
            return url + (subject == null ? "" : ", subject " + subject) + (basicAuth == null ? "" : ", basic auth ****");
        }
    }

    private final String inputSchemaJson;
    private final String sourceName;
    private final AvroEncoding encoding;
    private final JsonVectorFields fields;
    private final OutputMode mode;
    private final boolean alphaGradient;
    @Nullable private final Registry registry;
    private transient Resolved resolved;

    /** One selected vector: where it lies in an output record, and where its outputs go. */
    record VectorPath(String pointer, int[] path, List<String> pathNames, int vector, ElementType type,
            Schema arraySchema, int derivative, int alphaGradient, int input) {
    }

    private record Resolved(Schema input, Schema output, List<VectorPath> paths) {
    }

    private record Added(String after, String name, String what) {
    }

    private AvroRecordSchema(String inputSchemaJson, String sourceName, AvroEncoding encoding, JsonVectorFields fields,
            OutputMode mode, boolean alphaGradient, @Nullable Registry registry) {
        this.inputSchemaJson = inputSchemaJson;
        this.sourceName = sourceName;
        this.encoding = Objects.requireNonNull(encoding, "encoding");
        this.fields = Objects.requireNonNull(fields, "fields");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.alphaGradient = alphaGradient;
        if ((encoding == AvroEncoding.CONFLUENT) != (registry != null)) {
            throw new IllegalArgumentException(encoding == AvroEncoding.CONFLUENT
                    ? KEY_ENCODING + " confluent needs " + KEY_REGISTRY_URL
                    : KEY_REGISTRY_URL + " applies to " + KEY_ENCODING + " confluent only, not " + encoding.id());
        }
        this.registry = registry;
        this.resolved = resolve();
    }

    /**
     * Reads and checks the writer schema of the input from an {@code .avsc} file.
     *
     * @throws IllegalArgumentException naming the file, the key and what is wrong
     */
    public static AvroRecordSchema load(Path file, AvroEncoding encoding, JsonVectorFields fields, OutputMode mode,
            boolean alphaGradient) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(KEY_SCHEMA + " " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(KEY_SCHEMA + " " + file + " cannot be read: " + e);
        }
        return of(json, file.getFileName().toString(), encoding, fields, mode, alphaGradient);
    }

    /**
     * Checks the writer schema of the input, given as its JSON text.
     *
     * @param sourceName where the text came from, for messages (a file name)
     * @throws IllegalArgumentException naming the source, the key and what is wrong
     */
    public static AvroRecordSchema of(String json, String sourceName, AvroEncoding encoding, JsonVectorFields fields,
            OutputMode mode, boolean alphaGradient) {
        return new AvroRecordSchema(Objects.requireNonNull(json, "json"), sourceName, encoding, fields, mode,
                alphaGradient, null);
    }

    /** This schema with {@code avro-encoding=confluent} and its registry. */
    public AvroRecordSchema withRegistry(Registry registry) {
        return new AvroRecordSchema(inputSchemaJson, sourceName, AvroEncoding.CONFLUENT, fields, mode, alphaGradient,
                Objects.requireNonNull(registry, "registry"));
    }

    /** The registry of {@code avro-encoding=confluent}; null for the other encodings. */
    @Nullable
    public Registry registry() {
        return registry;
    }

    private Resolved resolve() {
        Schema input;
        try {
            input = new Schema.Parser().parse(inputSchemaJson);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(KEY_SCHEMA + " " + sourceName + " is not a valid Avro schema: "
                    + e.getMessage(), e);
        }
        if (input.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException(KEY_SCHEMA + " " + sourceName + " is " + typeName(input)
                    + ", expected a record (a Kafka value is one record)");
        }
        Map<Schema, Integer> uses = new IdentityHashMap<>();
        countRecordUses(input, uses);
        for (JsonPointer p : fields.pointers()) {
            for (String token : p.tokens()) {
                if (JsonPointer.arrayIndex(token) >= 0) {
                    throw new IllegalArgumentException(JsonVectorFields.KEY_VECTOR_FIELDS + " " + p.text() + ": '" + token
                            + "' is an array index, but Avro pointers name record fields only");
                }
            }
        }
        List<JsonVectorFields.Field> selected = fields.fields(mode == OutputMode.BOTH, alphaGradient);
        Map<Schema, List<Added>> added = new IdentityHashMap<>();
        List<ElementType> types = new ArrayList<>();
        for (JsonVectorFields.Field f : selected) {
            String pointer = f.pointer().text();
            List<String> tokens = f.pointer().tokens();
            Schema record = input;
            for (int i = 0; i < tokens.size(); i++) {
                String token = tokens.get(i);
                String where = JsonVectorFields.KEY_VECTOR_FIELDS + " " + pointer + ": ";
                if (uses.get(record) > 1) {
                    throw new IllegalArgumentException(where + "record type " + record.getFullName() + " is used in more"
                            + " than one place in " + KEY_SCHEMA + " " + sourceName + ", and the job would add fields to"
                            + " every use of it; give the selected record a type of its own");
                }
                Schema.Field field = record.getField(token);
                if (field == null) {
                    throw new IllegalArgumentException(where + "record " + record.getFullName() + " has no field '"
                            + token + "'; its fields: " + record.getFields().stream().map(Schema.Field::name)
                                    .collect(Collectors.joining(", ")));
                }
                Schema type = nonNull(field.schema());
                if (i < tokens.size() - 1) {
                    if (type == null || type.getType() != Schema.Type.RECORD) {
                        throw new IllegalArgumentException(where + "field '" + token + "' of " + record.getFullName()
                                + " is " + typeName(field.schema()) + ", expected a record (or a union of null and a"
                                + " record)");
                    }
                    record = type;
                } else {
                    ElementType elementType = elementType(type);
                    if (elementType == null) {
                        throw new IllegalArgumentException(where + "field '" + token + "' of " + record.getFullName()
                                + " is " + typeName(field.schema()) + ", expected array<double> or array<float> (or a"
                                + " union of null and one of them)");
                    }
                    types.add(elementType);
                    String[] names = {f.derivative(), f.alphaGradient(), f.input()};
                    String[] whats = {"the derivative", "the alpha gradient", "the input"};
                    for (int k = 0; k < names.length; k++) {
                        if (names[k] == null) {
                            continue;
                        }
                        if (record.getField(names[k]) != null) {
                            throw new IllegalArgumentException(KEY_SCHEMA + " " + sourceName + ": record "
                                    + record.getFullName() + " already has a field '" + names[k] + "', which the job"
                                    + " would write as " + whats[k] + " of " + pointer + "; choose another name ("
                                    + JsonVectorFields.KEY_DERIVATIVE_NAME + ", " + JsonVectorFields.KEY_ALPHA_GRADIENT_NAME
                                    + ", " + JsonVectorFields.KEY_INPUT_NAME + ", "
                                    + JsonVectorFields.KEY_VECTOR_NAME_PREFIX + "POINTER)");
                        }
                        added.computeIfAbsent(record, r -> new ArrayList<>()).add(new Added(token, names[k],
                                whats[k] + " of " + pointer));
                    }
                }
            }
        }
        Schema output;
        try {
            output = copy(input, new IdentityHashMap<>(), added);
        } catch (AvroRuntimeException e) {
            throw new IllegalArgumentException(KEY_SCHEMA + " " + sourceName + ": the output schema cannot be built: "
                    + e.getMessage() + " (Avro names: letters, digits and _, not starting with a digit; set "
                    + JsonVectorFields.KEY_DERIVATIVE_NAME + " and the other name keys to such names)", e);
        }
        List<VectorPath> paths = new ArrayList<>();
        for (int s = 0; s < selected.size(); s++) {
            JsonVectorFields.Field f = selected.get(s);
            List<String> tokens = f.pointer().tokens();
            Schema record = output;
            int[] path = new int[tokens.size() - 1];
            for (int i = 0; i < path.length; i++) {
                Schema.Field field = record.getField(tokens.get(i));
                path[i] = field.pos();
                record = nonNull(field.schema());
            }
            Schema.Field vector = record.getField(tokens.get(tokens.size() - 1));
            paths.add(new VectorPath(f.pointer().text(), path, tokens.subList(0, path.length), vector.pos(), types.get(s),
                    Schema.createArray(Schema.create(types.get(s) == ElementType.FLOAT32 ? Schema.Type.FLOAT
                            : Schema.Type.DOUBLE)),
                    pos(record, f.derivative()), pos(record, f.alphaGradient()), pos(record, f.input())));
        }
        return new Resolved(input, output, List.copyOf(paths));
    }

    private static int pos(Schema record, @Nullable String name) {
        return name == null ? -1 : record.getField(name).pos();
    }

    /** The schema itself, or the non-null branch of a union of null and one type; null for other unions. */
    @Nullable
    public static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        List<Schema> branches = schema.getTypes();
        if (branches.size() == 2) {
            if (branches.get(0).getType() == Schema.Type.NULL) {
                return branches.get(1);
            }
            if (branches.get(1).getType() == Schema.Type.NULL) {
                return branches.get(0);
            }
        }
        return null;
    }

    @Nullable
    private static ElementType elementType(@Nullable Schema type) {
        if (type == null || type.getType() != Schema.Type.ARRAY || type.getElementType().getLogicalType() != null) {
            return null;
        }
        return switch (type.getElementType().getType()) {
            case DOUBLE -> ElementType.FLOAT64;
            case FLOAT -> ElementType.FLOAT32;
            default -> null;
        };
    }

    /** A type as a person reads it: {@code string}, {@code array<int>}, {@code union [null, string]}, a record's name. */
    static String typeName(Schema s) {
        return switch (s.getType()) {
            case RECORD, ENUM, FIXED -> s.getType().getName() + " " + s.getFullName();
            case ARRAY -> "array<" + typeName(s.getElementType()) + ">";
            case MAP -> "map<" + typeName(s.getValueType()) + ">";
            case UNION -> "union [" + s.getTypes().stream().map(AvroRecordSchema::typeName)
                    .collect(Collectors.joining(", ")) + "]";
            default -> s.getLogicalType() == null ? s.getType().getName()
                    : s.getType().getName() + " (" + s.getLogicalType().getName() + ")";
        };
    }

    private static void countRecordUses(Schema s, Map<Schema, Integer> uses) {
        switch (s.getType()) {
            case RECORD -> {
                if (uses.merge(s, 1, Integer::sum) == 1) {
                    for (Schema.Field f : s.getFields()) {
                        countRecordUses(f.schema(), uses);
                    }
                }
            }
            case ARRAY -> countRecordUses(s.getElementType(), uses);
            case MAP -> countRecordUses(s.getValueType(), uses);
            case UNION -> s.getTypes().forEach(t -> countRecordUses(t, uses));
            default -> {
            }
        }
    }

    /** A copy of {@code s} in which each record of {@code added} gains its fields right after the named ones. */
    private Schema copy(Schema s, Map<Schema, Schema> memo, Map<Schema, List<Added>> added) {
        switch (s.getType()) {
            case RECORD: {
                Schema done = memo.get(s);
                if (done != null) {
                    return done;
                }
                Schema r = Schema.createRecord(s.getName(), s.getDoc(), s.getNamespace(), s.isError());
                memo.put(s, r);
                List<Schema.Field> out = new ArrayList<>();
                for (Schema.Field f : s.getFields()) {
                    out.add(new Schema.Field(f, copy(f.schema(), memo, added)));
                    for (Added a : added.getOrDefault(s, List.of())) {
                        if (a.after().equals(f.name())) {
                            Schema vector = nonNull(f.schema());
                            out.add(new Schema.Field(a.name(), Schema.createArray(vector.getElementType()),
                                    a.what() + ", written by elu-stream", List.of()));
                        }
                    }
                }
                r.setFields(out);
                s.getAliases().forEach(r::addAlias);
                s.getObjectProps().forEach(r::addProp);
                return r;
            }
            case ARRAY: {
                Schema a = Schema.createArray(copy(s.getElementType(), memo, added));
                s.getObjectProps().forEach(a::addProp);
                return a;
            }
            case MAP: {
                Schema m = Schema.createMap(copy(s.getValueType(), memo, added));
                s.getObjectProps().forEach(m::addProp);
                return m;
            }
            case UNION: {
                List<Schema> branches = new ArrayList<>();
                for (Schema t : s.getTypes()) {
                    branches.add(copy(t, memo, added));
                }
                return Schema.createUnion(branches);
            }
            default:
                return s;
        }
    }

    private Resolved resolved() {
        if (resolved == null) {
            resolved = resolve();
        }
        return resolved;
    }

    /** The writer schema of the input, as configured. */
    public Schema inputSchema() {
        return resolved().input();
    }

    /** The schema of the output: the input's, with the job's fields next to each vector. */
    public Schema outputSchema() {
        return resolved().output();
    }

    @Override
    public String outputSchemaText() {
        return outputSchema().toString(true);
    }

    /** The input schema's CRC-64-AVRO fingerprint, which single-object values must carry. */
    public long inputFingerprint() {
        return SchemaNormalization.parsingFingerprint64(inputSchema());
    }

    List<VectorPath> vectorPaths() {
        return resolved().paths();
    }

    public AvroEncoding encoding() {
        return encoding;
    }

    @Override
    public VectorFormat format() {
        return VectorFormat.AVRO;
    }

    @Override
    public VectorTransformer transformer(ArrayActivation activation, int dimension, int maxDimension) {
        return new AvroVectorTransformer(this, activation, mode, alphaGradient, dimension, maxDimension);
    }

    @Override
    public String describe() {
        return "avro " + encoding.id() + " " + inputSchema().getFullName() + " (" + sourceName + ")"
                + (registry == null ? "" : ", registry " + registry);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AvroRecordSchema a && a.inputSchemaJson.equals(inputSchemaJson)
                && a.sourceName.equals(sourceName) && a.encoding == encoding && a.fields.equals(fields)
                && a.mode == mode && a.alphaGradient == alphaGradient && Objects.equals(a.registry, registry);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputSchemaJson, sourceName, encoding, fields, mode, alphaGradient, registry);
    }

    @Override
    public String toString() {
        return describe();
    }
}
