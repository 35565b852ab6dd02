package dev.elustream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The structural part of a CustomResourceDefinition's openAPIV3Schema, as the Kubernetes API server
 * applies it to a resource: {@link #violations} lists every field the schema does not declare, every
 * value of the wrong type or outside its enum, and every required field that is missing, each with
 * its path (e.g. {@code spec.job.upgradeMode}). Formats, patterns and CEL rules are not checked.
 */
final class CrdSchema {

    private final JsonNode root;

    /** @param openApiV3Schema the {@code schema.openAPIV3Schema} of one version of a CRD */
    CrdSchema(JsonNode openApiV3Schema) {
        this.root = openApiV3Schema;
    }

    /** The schema of the field at a dotted path below the root, e.g. {@code spec.flinkVersion}. */
    JsonNode at(String path) {
        JsonNode schema = root;
        for (String name : path.split("\\.")) {
            schema = schema.path("properties").path(name);
        }
        return schema;
    }

    /**
     * The violations of a resource. Its apiVersion, kind and metadata are left out: the API server
     * checks them itself, and a CRD's schema does not declare them.
     */
    List<String> violations(JsonNode resource) {
        ObjectNode body = ((ObjectNode) resource).deepCopy();
        body.remove(List.of("apiVersion", "kind", "metadata"));
        List<String> violations = new ArrayList<>();
        check(body, root, "", violations);
        return violations;
    }

    private static void check(JsonNode value, JsonNode schema, String path, List<String> out) {
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) {
                out.add(where(path) + ": null is not allowed");
            }
            return;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                out.add(where(path) + ": expected an integer or a string, got " + value);
            }
            return;
        }
        if (schema.has("anyOf")) {
            checkAnyOf(value, schema.get("anyOf"), path, out);
        }
        String type = schema.path("type").asText("");
        if (!type.isEmpty() && !hasType(value, type)) {
            out.add(where(path) + ": expected " + type + ", got " + value);
            return;
        }
        if (schema.has("enum")) {
            checkEnum(value, schema.get("enum"), path, out);
        }
        if (value.isObject()) {
            checkObject(value, schema, path, out);
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(value.get(i), schema.get("items"), path + "[" + i + "]", out);
            }
        }
    }

    private static void checkObject(JsonNode value, JsonNode schema, String path, List<String> out) {
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.path("additionalProperties");
        boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String fieldPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            if (properties.has(field.getKey())) {
                check(field.getValue(), properties.get(field.getKey()), fieldPath, out);
            } else if (additional.isObject()) {
                check(field.getValue(), additional, fieldPath, out);
            } else if (!preserveUnknown && !additional.asBoolean(false)) {
                out.add(fieldPath + ": not a field of the schema (known here: " + names(properties) + ")");
            }
        }
        for (JsonNode required : schema.path("required")) {
            if (!value.has(required.asText())) {
                out.add(where(path) + ": required field '" + required.asText() + "' is missing");
            }
        }
    }

    private static void checkEnum(JsonNode value, JsonNode allowed, String path, List<String> out) {
        for (JsonNode a : allowed) {
            if (a.equals(value)) {
                return;
            }
        }
        out.add(where(path) + ": " + value + " is none of " + allowed);
    }

    private static void checkAnyOf(JsonNode value, JsonNode alternatives, String path, List<String> out) {
        for (JsonNode alternative : alternatives) {
            List<String> attempt = new ArrayList<>();
            check(value, alternative, path, attempt);
            if (attempt.isEmpty()) {
                return;
            }
        }
        out.add(where(path) + ": " + value + " matches none of " + alternatives);
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new IllegalArgumentException("unknown type '" + type + "' in the schema");
        };
    }

    private static String where(String path) {
        return path.isEmpty() ? "(root)" : path;
    }

    private static List<String> names(JsonNode properties) {
        List<String> names = new ArrayList<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
