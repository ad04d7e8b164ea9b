package dev.bitnet.langchain4j;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes LangChain4j's JSON Schema element tree ({@link JsonSchemaElement}) as a JSON Schema document, the form
 * bitnet-java's {@link dev.bitnet.structured.ResponseFormat#jsonSchema(String)} compiles. Every element type maps
 * onto keywords of the core's subset: objects to {@code type/properties/required/additionalProperties}, arrays to
 * {@code items}, enums to {@code enum}, {@code anyOf}, {@code null}, and references to {@code $ref}
 * {@code #/$defs/NAME}. The definitions of every object in the tree are gathered into one {@code $defs} at the
 * root, which is where LangChain4j's references point. A {@link JsonRawSchema} is embedded as it is. Descriptions
 * are kept (the core ignores them).
 */
final class JsonSchemaDocument {
    private static final JsonFactory FACTORY = new JsonFactory();
    /** Deeper element trees are refused rather than recursing without bound (the core caps nesting at 128). */
    private static final int MAX_DEPTH = 128;

    private JsonSchemaDocument() {
    }

    /**
     * The JSON Schema text for an element tree.
     *
     * @throws UnsupportedFeatureException for an element type this mapping does not know, or a tree nested
     *                                     deeper than 128 levels
     */
    static String of(JsonSchemaElement root) {
        Map<String, JsonSchemaElement> definitions = new LinkedHashMap<>();
        collectDefinitions(root, definitions, 0);
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, root, definitions, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void collectDefinitions(JsonSchemaElement e, Map<String, JsonSchemaElement> into, int depth) {
        checkDepth(depth);
        switch (e) {
            case JsonObjectSchema o -> {
                if (o.definitions() != null) {
                    for (Map.Entry<String, JsonSchemaElement> d : o.definitions().entrySet()) {
                        if (into.putIfAbsent(d.getKey(), d.getValue()) == null) {
                            collectDefinitions(d.getValue(), into, depth + 1);
                        }
                    }
                }
                if (o.properties() != null) {
                    for (JsonSchemaElement p : o.properties().values()) {
                        collectDefinitions(p, into, depth + 1);
                    }
                }
            }
            case JsonArraySchema a when a.items() != null -> collectDefinitions(a.items(), into, depth + 1);
            case JsonAnyOfSchema any -> {
                for (JsonSchemaElement branch : any.anyOf()) {
                    collectDefinitions(branch, into, depth + 1);
                }
            }
            default -> {
            }
        }
    }

    /** Writes one element; {@code definitions} is non-null only for the root, which carries them all. */
    private static void write(JsonGenerator g, JsonSchemaElement e, Map<String, JsonSchemaElement> definitions,
                              int depth) throws IOException {
        checkDepth(depth);
        if (e instanceof JsonRawSchema raw) {
            g.writeRawValue(raw.schema()); // a raw schema has no element children, so no definitions to add
            return;
        }
        g.writeStartObject();
        switch (e) {
            case JsonObjectSchema o -> {
                g.writeStringField("type", "object");
                description(g, o.description());
                if (o.properties() != null) {
                    g.writeObjectFieldStart("properties");
                    for (Map.Entry<String, JsonSchemaElement> p : o.properties().entrySet()) {
                        g.writeFieldName(p.getKey());
                        write(g, p.getValue(), Map.of(), depth + 1);
                    }
                    g.writeEndObject();
                }
                if (o.required() != null && !o.required().isEmpty()) {
                    g.writeArrayFieldStart("required");
                    for (String r : o.required()) {
                        g.writeString(r);
                    }
                    g.writeEndArray();
                }
                if (o.additionalProperties() != null) {
                    g.writeBooleanField("additionalProperties", o.additionalProperties());
                }
            }
            case JsonArraySchema a -> {
                g.writeStringField("type", "array");
                description(g, a.description());
                if (a.items() != null) {
                    g.writeFieldName("items");
                    write(g, a.items(), Map.of(), depth + 1);
                }
            }
            case JsonStringSchema s -> typed(g, "string", s.description());
            case JsonIntegerSchema i -> typed(g, "integer", i.description());
            case JsonNumberSchema n -> typed(g, "number", n.description());
            case JsonBooleanSchema b -> typed(g, "boolean", b.description());
            case JsonNullSchema ignored -> g.writeStringField("type", "null");
            case JsonEnumSchema en -> {
                description(g, en.description());
                g.writeArrayFieldStart("enum");
                for (String v : en.enumValues()) {
                    g.writeString(v);
                }
                g.writeEndArray();
            }
            case JsonAnyOfSchema any -> {
                description(g, any.description());
                g.writeArrayFieldStart("anyOf");
                for (JsonSchemaElement branch : any.anyOf()) {
                    write(g, branch, Map.of(), depth + 1);
                }
                g.writeEndArray();
            }
            case JsonReferenceSchema ref -> {
                description(g, ref.description());
                g.writeStringField("$ref", "#/$defs/" + escapePointer(ref.reference()));
            }
            default -> throw new UnsupportedFeatureException("JSON schema element " + e.getClass().getSimpleName()
                    + " is not supported by bitnet-java");
        }
        if (depth == 0 && !definitions.isEmpty()) {
            g.writeObjectFieldStart("$defs");
            for (Map.Entry<String, JsonSchemaElement> d : definitions.entrySet()) {
                g.writeFieldName(d.getKey());
                write(g, d.getValue(), Map.of(), depth + 1);
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void typed(JsonGenerator g, String type, String description) throws IOException {
        g.writeStringField("type", type);
        description(g, description);
    }

    private static void description(JsonGenerator g, String description) throws IOException {
        if (description != null) {
            g.writeStringField("description", description);
        }
    }

    /** A definition name as one JSON pointer segment (RFC 6901: {@code ~} and {@code /} escaped). */
    private static String escapePointer(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    private static void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw new UnsupportedFeatureException("the JSON schema nests deeper than " + MAX_DEPTH
                    + " levels, which bitnet-java does not support");
        }
    }
}
