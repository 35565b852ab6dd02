package dev.elustream.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SchemaRegistryServer} answers Confluent's schema registry REST API as Confluent's clients
 * use it. Seen here with Apicurio Registry 3.0.9 ({@code /apis/ccompat/v7}; every response is
 * {@code application/json}, not Confluent's {@code application/vnd.schemaregistry.v1+json}, and
 * either content type is accepted on requests):
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions {"schema": "..."}}: 200 {@code {"id": N}}; the same
 *       schema again, also reformatted, 200 with the same id and no new version (the fixture turns on
 *       {@code apicurio.ccompat.use-canonical-hash}; by default Apicurio compares the text, and a
 *       reformatted schema became version 2 with a new id); ids are not consecutive (a refused
 *       registration used one up). Confluent's client's Accept header is served.</li>
 *   <li>{@code GET /schemas/ids/{id}}: 200 {@code {"schema": "<the registered text, as a string>",
 *       "schemaType": "AVRO", "references": []}} (Confluent leaves out {@code schemaType} for Avro);
 *       an unknown id: 404 {@code {"error_code": 40403, "message": "No content with ID '...' was found."}}.</li>
 *   <li>{@code PUT /config/{subject} {"compatibility": "BACKWARD"}}: 200
 *       {@code {"compatibilityLevel": "BACKWARD"}}; {@code GET /config} is {@code NONE} at start
 *       (Confluent's default is {@code BACKWARD}), and {@code GET /config/{subject}} of a subject
 *       without its own level answers the global one (Confluent: 404, error 40408).</li>
 *   <li>an incompatible registration under BACKWARD: 409 {@code {"error_code": 409, "message":
 *       "io.apicurio.registry.rules.RuleViolationException: Incompatible artifact: ..."}}; a
 *       compatible one (a new field with a default) is accepted.</li>
 *   <li>{@code POST /compatibility/subjects/{subject}/versions/latest}: 200 {@code {"is_compatible": bool}}.</li>
 *   <li>{@code GET /subjects}, {@code GET /subjects/{subject}/versions} ({@code [1, 2]}),
 *       {@code GET /subjects/{subject}/versions/{version|latest}} ({@code subject, version, id, schema}),
 *       {@code POST /subjects/{subject}} (look-up), {@code GET /schemas/ids/{id}/versions},
 *       {@code GET /schemas/types}, {@code DELETE /subjects/{subject}}: as Confluent's; an unknown
 *       subject: 404, error 40401. A body that is not a schema: 422, error 42201.</li>
 * </ul>
 */
class SchemaRegistryServerITCase {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** What Confluent's client (RestService) sends. */
    private static final String ACCEPT =
            "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final String FEATURES = """
            {"type":"record","name":"Features","namespace":"dev.elustream","fields":[
              {"name":"id","type":"string"},
              {"name":"values","type":{"type":"array","items":"double"}}]}""";
    /** A new field without a default: a reader of this schema cannot read older records. */
    private static final String FEATURES_WITH_REQUIRED_LABEL = """
            {"type":"record","name":"Features","namespace":"dev.elustream","fields":[
              {"name":"id","type":"string"},
              {"name":"values","type":{"type":"array","items":"double"}},
              {"name":"label","type":"string"}]}""";
    private static final String FEATURES_WITH_DEFAULTED_LABEL = """
            {"type":"record","name":"Features","namespace":"dev.elustream","fields":[
              {"name":"id","type":"string"},
              {"name":"values","type":{"type":"array","items":"double"}},
              {"name":"label","type":"string","default":""}]}""";

    private static SchemaRegistryServer registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = SchemaRegistryServer.start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
            assertThat(registry.stopped()).as("registry process ended").isTrue();
        }
    }

    @Test
    void readsARegisteredAvroSchemaBackById() throws Exception {
        Reply registered = register("read-back-value", FEATURES);
        assertThat(registered.status).as(registered.body.toString()).isEqualTo(200);
        assertThat(registered.body.path("id").isInt()).as(registered.body.toString()).isTrue();

        Reply byId = get("/schemas/ids/" + registered.body.get("id").asInt());

        assertThat(byId.status).as(byId.body.toString()).isEqualTo(200);
        assertThat(byId.body.get("schema").isTextual()).as(byId.body.toString()).isTrue();
        assertThat(new Schema.Parser().parse(byId.body.get("schema").asText()))
                .isEqualTo(new Schema.Parser().parse(FEATURES));
    }

    @Test
    void givesTheSameIdWhenTheSameSchemaIsRegisteredAgain() throws Exception {
        int id = register("again-value", FEATURES).body.get("id").asInt();

        assertThat(register("again-value", FEATURES).body.get("id").asInt()).isEqualTo(id);
        String reformatted = new Schema.Parser().parse(FEATURES).toString(true);
        assertThat(register("again-value", reformatted).body.get("id").asInt()).isEqualTo(id);
        assertThat(get("/subjects/again-value/versions").body.toString()).isEqualTo("[1]");
    }

    @Test
    void refusesAnIncompatibleChangeUnderBackwardCompatibility() throws Exception {
        assertThat(register("compat-value", FEATURES).status).isEqualTo(200);
        Reply config = send("PUT", "/config/compat-value", Map.of("compatibility", "BACKWARD"));
        assertThat(config.status).as(config.body.toString()).isEqualTo(200);
        assertThat(config.body.get("compatibilityLevel").asText()).isEqualTo("BACKWARD");

        Reply refused = register("compat-value", FEATURES_WITH_REQUIRED_LABEL);

        assertThat(refused.status).as(refused.body.toString()).isEqualTo(409);
        assertThat(refused.body.get("error_code").asInt()).isEqualTo(409);
        assertThat(refused.body.get("message").asText()).contains("label");
        Reply accepted = register("compat-value", FEATURES_WITH_DEFAULTED_LABEL);
        assertThat(accepted.status).as(accepted.body.toString()).isEqualTo(200);
        assertThat(get("/subjects/compat-value/versions").body.toString()).isEqualTo("[1,2]");
    }

    @Test
    void answersAnUnknownIdWithConfluentsNotFoundError() throws Exception {
        Reply reply = get("/schemas/ids/987654");

        assertThat(reply.status).as(reply.body.toString()).isEqualTo(404);
        assertThat(reply.body.get("error_code").asInt()).isEqualTo(40403);
        assertThat(reply.body.get("message").isTextual()).as(reply.body.toString()).isTrue();
    }

    private record Reply(int status, JsonNode body) {}

    private static Reply register(String subject, String schema) throws Exception {
        return send("POST", "/subjects/" + subject + "/versions", Map.of("schema", schema));
    }

    private static Reply get(String path) throws Exception {
        return send("GET", path, null);
    }

    private static Reply send(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        HttpRequest request = HttpRequest.newBuilder(URI.create(registry.ccompatUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", CONTENT_TYPE)
                .header("Accept", ACCEPT)
                .method(method, publisher)
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), JSON.readTree(response.body()));
    }
}
