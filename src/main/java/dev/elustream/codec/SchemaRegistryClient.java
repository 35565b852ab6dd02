package dev.elustream.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.OptionalInt;
import javax.annotation.Nullable;

/**
 * The two calls of the Confluent Schema Registry REST API the job makes, over {@link HttpClient}:
 * the schema of an id ({@code GET /schemas/ids/{id}}) and registering a schema under a subject
 * ({@code POST /subjects/{subject}/versions}, which returns the existing id for a schema already
 * there). Tested against Apicurio Registry's Confluent-compatible API ({@code /apis/ccompat/v7}).
 * Thread-safe.
 */
public final class SchemaRegistryClient {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    @Nullable private final String authorization;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param baseUrl the registry's Confluent-compatible base URL, e.g. {@code http://registry:8081}
     *     or {@code http://apicurio:8080/apis/ccompat/v7}
     * @param basicAuth {@code user:password} for HTTP basic authentication, or null
     * @param timeout of each call
     */
    public SchemaRegistryClient(String baseUrl, @Nullable String basicAuth, Duration timeout) {
        String url = Objects.requireNonNull(baseUrl, "baseUrl");
        this.baseUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.authorization = basicAuth == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(basicAuth.getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public String baseUrl() {
        return baseUrl;
    }

    /**
     * The schema registered with this id, as its JSON text; empty if the registry has no such id.
     *
     * @throws ServiceUnavailableException if the registry cannot be reached or fails otherwise
     */
    public java.util.Optional<String> schema(int id) {
        HttpResponse<String> response = send(request("/schemas/ids/" + id).GET().build(), "read schema id " + id);
        if (response.statusCode() == 404) {
            return java.util.Optional.empty();
        }
        JsonNode body = ok(response, "read schema id " + id);
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new ServiceUnavailableException("the schema registry at " + baseUrl + " answered schema id " + id
                    + " without a 'schema' string: " + abbreviate(response.body()));
        }
        return java.util.Optional.of(schema.asText());
    }

    /**
     * Registers the schema under the subject (or finds it there) and returns its id.
     *
     * @throws IllegalStateException if the registry refuses it (e.g. 409: incompatible with the
     *     subject's versions), naming the subject and the registry's message
     * @throws ServiceUnavailableException if the registry cannot be reached or fails otherwise
     */
    public int register(String subject, String schemaJson) {
        String body;
        try {
            body = JSON.writeValueAsString(JSON.createObjectNode().put("schema", schemaJson));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String what = "register the schema under subject '" + subject + "'";
        HttpResponse<String> response = send(request("/subjects/" + encode(subject) + "/versions")
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(), what);
        if (response.statusCode() / 100 == 4) {
            throw new IllegalStateException("the schema registry at " + baseUrl + " refused to " + what + ": HTTP "
                    + response.statusCode() + " " + message(response));
        }
        OptionalInt id = optionalInt(ok(response, what).get("id"));
        if (id.isEmpty()) {
            throw new ServiceUnavailableException("the schema registry at " + baseUrl + " answered without an id when"
                    + " asked to " + what + ": " + abbreviate(response.body()));
        }
        return id.getAsInt();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest request, String what) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ServiceUnavailableException("the schema registry at " + baseUrl + " cannot be reached to " + what
                    + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailableException("interrupted while asking the schema registry at " + baseUrl + " to "
                    + what, e);
        }
    }

    private JsonNode ok(HttpResponse<String> response, String what) {
        if (response.statusCode() != 200) {
            throw new ServiceUnavailableException("the schema registry at " + baseUrl + " failed to " + what + ": HTTP "
                    + response.statusCode() + " " + message(response));
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ServiceUnavailableException("the schema registry at " + baseUrl + " answered " + what
                    + " with what is not JSON: " + abbreviate(response.body()), e);
        }
    }

    /** Confluent's error JSON ({@code {"error_code":40403,"message":"..."}}), or the body. */
    private static String message(HttpResponse<String> response) {
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node != null && node.hasNonNull("message")) {
                return node.get("message").asText() + (node.has("error_code") ? " (error_code "
                        + node.get("error_code").asText() + ")" : "");
            }
        } catch (IOException e) {
            // not JSON: the body itself says more
        }
        return abbreviate(response.body());
    }

    private static OptionalInt optionalInt(@Nullable JsonNode node) {
        return node != null && node.canConvertToInt() ? OptionalInt.of(node.asInt()) : OptionalInt.empty();
    }

    private static String encode(String subject) {
        return java.net.URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
