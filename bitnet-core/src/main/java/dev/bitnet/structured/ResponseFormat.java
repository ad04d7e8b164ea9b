package dev.bitnet.structured;

import dev.bitnet.sampling.Sampler;
import dev.bitnet.tokenizer.Tokenizer;
import org.jetbrains.annotations.Nullable;

import java.util.Collection;
import java.util.Objects;
import java.util.Optional;

/**
 * What shape the generated text must have: free text (the default), any JSON value, any JSON object, or a value
 * matching a JSON Schema. A JSON format constrains sampling: at each step only tokens that keep the output a
 * valid prefix may be picked (a mask applied before the sampler chain, so temperature, top-k/p and seeds work as
 * usual), and the end-of-generation tokens only once the value is complete. Set it with
 * {@link dev.bitnet.GenerationOptions.Builder#responseFormat}.
 *
 * <p>How the output is shaped, beyond validity:
 * <ul>
 * <li>no whitespace before the value or after it; between its tokens one space or tab, or a newline and at
 *     most {@value Frame#MAX_INDENT} spaces or tabs of indentation, so the model cannot stall;</li>
 * <li>containers nest at most {@value Frame#MAX_NESTING} deep; integers have at most 18 digits, other numbers
 *     at most 15 integer and 15 fraction digits and a 2-digit exponent;</li>
 * <li>object properties come in the order the schema declares them; optional ones may be left out;</li>
 * <li>the finish reason {@code length} (max tokens or the context reached) means the value is truncated: the
 *     text is then a valid prefix, not a complete value. Stop strings still apply and may cut it too.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; a schema is compiled once, when the format is made.
 */
public final class ResponseFormat {
    /** The kinds of response format. */
    public enum Kind {
        /** Unconstrained text. */
        TEXT,
        /** Any JSON value. */
        JSON_VALUE,
        /** Any JSON object. */
        JSON_OBJECT,
        /** A value valid against a JSON Schema. */
        JSON_SCHEMA
    }

    private static final ResponseFormat TEXT = new ResponseFormat(Kind.TEXT, null, null);
    private static final ResponseFormat JSON_VALUE = new ResponseFormat(Kind.JSON_VALUE, null, Grammar.JSON_VALUE);
    private static final ResponseFormat JSON_OBJECT = new ResponseFormat(Kind.JSON_OBJECT, null, Grammar.JSON_OBJECT);

    private final Kind kind;
    private final @Nullable String schema;
    private final @Nullable Grammar grammar;

    private ResponseFormat(Kind kind, @Nullable String schema, @Nullable Grammar grammar) {
        this.kind = kind;
        this.schema = schema;
        this.grammar = grammar;
    }

    /** Free text: no constraint (the default). */
    public static ResponseFormat text() {
        return TEXT;
    }

    /** Any JSON value (object, array, string, number, true, false or null). */
    public static ResponseFormat jsonValue() {
        return JSON_VALUE;
    }

    /** Any JSON object. */
    public static ResponseFormat jsonObject() {
        return JSON_OBJECT;
    }

    /**
     * A value valid against this JSON Schema (draft 2020-12 keywords). Supported: {@code type} (object, array,
     * string, number, integer, boolean, null, and lists of them), {@code properties}, {@code required},
     * {@code additionalProperties} (false, true or a schema), {@code enum}, {@code const}, {@code items},
     * {@code prefixItems}, {@code minItems}/{@code maxItems}, {@code anyOf}, {@code oneOf},
     * {@code minLength}/{@code maxLength} (in code points), {@code minimum}/{@code maximum}/
     * {@code exclusiveMinimum}/{@code exclusiveMaximum} for integers, local {@code $ref} (JSON pointers such as
     * {@code #/$defs/node}, recursion allowed) with {@code $defs}/{@code definitions}, and booleans as schemas.
     * Ignored on purpose, because they do not restrict values: {@code title}, {@code description},
     * {@code $schema}, {@code $id}, {@code $anchor}, {@code $comment}, {@code default}, {@code examples},
     * {@code deprecated}, {@code readOnly}, {@code writeOnly}.
     *
     * <p>Choices the generator makes within the schema: with {@code properties} but no
     * {@code additionalProperties}, only declared properties are generated; further keys (when allowed) come
     * after the declared ones, written without escapes and never repeating a key. {@code oneOf} is generated
     * like {@code anyOf}: give it branches that do not overlap (for example different types or a {@code const}
     * discriminator), or a value may match more than one. An {@code enum}/{@code const} value is written as its
     * compact JSON.
     *
     * @throws IllegalArgumentException if the schema is not valid JSON, uses a keyword outside the subset
     *         (named in the message), combines keywords in a way not supported, admits no finite value (a
     *         {@code $ref} cycle without a base case), or is too large (over 100000 subschemas, 1 MiB of text,
     *         128 levels of JSON nesting)
     */
    public static ResponseFormat jsonSchema(String schemaJson) {
        Objects.requireNonNull(schemaJson, "schemaJson");
        return new ResponseFormat(Kind.JSON_SCHEMA, schemaJson, SchemaCompiler.compile(schemaJson));
    }

    /** Which kind of format this is. */
    public Kind kind() {
        return kind;
    }

    /** The JSON Schema text, for {@link Kind#JSON_SCHEMA}. */
    public Optional<String> schema() {
        return Optional.ofNullable(schema);
    }

    /** Whether this format constrains generation (every kind but {@link Kind#TEXT}). */
    public boolean isConstrained() {
        return grammar != null;
    }

    /**
     * A fresh constraint for one generation.
     *
     * @param vocabulary the model's vocabulary
     * @param endIds     the tokens that end the generation (EOS, end of turn); allowed only once the value is
     *                   complete, and then the only ones allowed when nothing more can follow
     * @throws IllegalStateException for {@link #text()}, which constrains nothing
     */
    public JsonConstraint newConstraint(TokenVocabulary vocabulary, Collection<Integer> endIds) {
        if (grammar == null) {
            throw new IllegalStateException("the text response format constrains nothing");
        }
        return new JsonConstraint(grammar, vocabulary, endIds);
    }

    /**
     * {@code sampler} constrained by this format for one generation, or {@code sampler} itself for text. This is
     * the one hook the generation loop needs.
     *
     * @throws IllegalArgumentException if this format constrains and there is no tokenizer to know token bytes
     */
    public Sampler constrain(Sampler sampler, @Nullable Tokenizer tokenizer, Collection<Integer> endIds) {
        if (grammar == null) {
            return sampler;
        }
        if (tokenizer == null) {
            throw new IllegalArgumentException("a JSON response format needs a tokenizer, and this model has none");
        }
        return newConstraint(TokenVocabulary.of(tokenizer), endIds).constrain(sampler);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResponseFormat f && f.kind == kind && Objects.equals(f.schema, schema);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Objects.hashCode(schema);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case TEXT -> "text";
            case JSON_VALUE -> "json_value";
            case JSON_OBJECT -> "json_object";
            case JSON_SCHEMA -> "json_schema(" + (schema.length() > 200 ? schema.substring(0, 200) + "..." : schema)
                    + ")";
        };
    }
}
