package dev.bitnet.spark;

import dev.bitnet.GenerationOptions;
import dev.bitnet.structured.ResponseFormat;
import org.jetbrains.annotations.Nullable;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A {@link GenerationOptions} in a form Spark can ship from the driver to the executors (the options
 * class itself is not {@link Serializable}): every field copied, rebuilt on the executor with a seed
 * of each row's own.
 */
final class GenerationSettings implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int maxTokens;
    private final ArrayList<String> stopStrings;
    private final ArrayList<Integer> stopTokenIds;
    private final double temperature;
    private final int topK;
    private final double topP;
    private final double minP;
    private final double repeatPenalty;
    private final double frequencyPenalty;
    private final double presencePenalty;
    private final int penaltyWindow;
    private final LinkedHashMap<Integer, Float> logitBias;
    private final @Nullable Long seed;
    /** The response format as its kind and schema text: the compiled grammar is rebuilt on the executor. */
    private final ResponseFormat.Kind format;
    private final @Nullable String schema;

    private GenerationSettings(GenerationOptions o) {
        maxTokens = o.maxTokens();
        stopStrings = new ArrayList<>(o.stopStrings());
        stopTokenIds = new ArrayList<>(new LinkedHashSet<>(o.stopTokenIds()));
        temperature = o.temperature();
        topK = o.topK();
        topP = o.topP();
        minP = o.minP();
        repeatPenalty = o.repeatPenalty();
        frequencyPenalty = o.frequencyPenalty();
        presencePenalty = o.presencePenalty();
        penaltyWindow = o.penaltyWindow();
        logitBias = new LinkedHashMap<>(o.logitBias());
        seed = o.seed().isPresent() ? o.seed().getAsLong() : null;
        format = o.responseFormat().kind();
        schema = o.responseFormat().schema().orElse(null);
    }

    /** Copies {@code options}. */
    static GenerationSettings of(GenerationOptions options) {
        return new GenerationSettings(Objects.requireNonNull(options, "options"));
    }

    /** The base seed the per-row seeds derive from; empty when every row draws a fresh random seed. */
    OptionalLong seed() {
        return seed == null ? OptionalLong.empty() : OptionalLong.of(seed);
    }

    /** The options with every field as copied and the seed replaced by {@code rowSeed} (empty: random). */
    GenerationOptions toOptions(OptionalLong rowSeed) {
        GenerationOptions.Builder b = GenerationOptions.builder()
                .maxTokens(maxTokens)
                .stopStrings(stopStrings)
                .stopTokenIds(stopTokenIds)
                .temperature(temperature)
                .topK(topK)
                .topP(topP)
                .minP(minP)
                .repeatPenalty(repeatPenalty)
                .frequencyPenalty(frequencyPenalty)
                .presencePenalty(presencePenalty)
                .penaltyWindow(penaltyWindow)
                .logitBias(Map.copyOf(logitBias))
                .responseFormat(responseFormat());
        if (rowSeed.isPresent()) {
            b.seed(rowSeed.getAsLong());
        }
        return b.build();
    }

    /** The options as given, base seed included. */
    GenerationOptions toOptions() {
        return toOptions(seed());
    }

    private ResponseFormat responseFormat() {
        return switch (format) {
            case TEXT -> ResponseFormat.text();
            case JSON_VALUE -> ResponseFormat.jsonValue();
            case JSON_OBJECT -> ResponseFormat.jsonObject();
            case JSON_SCHEMA -> ResponseFormat.jsonSchema(Objects.requireNonNull(schema, "schema"));
        };
    }

    List<String> stopStrings() {
        return List.copyOf(stopStrings);
    }
}
