package dev.bitnet;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Objects;

/**
 * The result of one generation.
 *
 * @param text         the generated text; a matched stop string and anything after it are not part of it
 * @param tokenIds     the generated token ids (the array is copied in and out)
 * @param finishReason why the generation ended
 * @param usage        prompt and generated token counts
 * @param timings      load, prompt and generation times and rates
 */
public record Generation(String text, int[] tokenIds, FinishReason finishReason, Usage usage, Timings timings) {

    /** @throws NullPointerException if any component is null */
    public Generation {
        Objects.requireNonNull(text, "text");
        tokenIds = Objects.requireNonNull(tokenIds, "tokenIds").clone();
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(timings, "timings");
    }

    /** A copy of the generated token ids. */
    @Override
    public int[] tokenIds() {
        return tokenIds.clone();
    }

    /**
     * This result as one line of JSON, the CLI's {@code --json} output:
     * <pre>{@code {"text":"...","ids":[...],"finish_reason":"stop","usage":{"prompt_tokens":5,"generated_tokens":7},
     * "timings":{"load_ms":812.5,"prompt_tokens_per_second":120.3,"generation_tokens_per_second":25.1}}}</pre>
     * {@code finish_reason} is {@link FinishReason#jsonName()}. Times and rates that are not finite are written
     * as 0, so the output is always valid JSON.
     */
    public String toJson() {
        StringBuilder out = new StringBuilder(text.length() + 16 * tokenIds.length + 200);
        out.append("{\"text\":");
        appendString(out, text);
        out.append(",\"ids\":[");
        for (int i = 0; i < tokenIds.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(tokenIds[i]);
        }
        out.append("],\"finish_reason\":");
        appendString(out, finishReason.jsonName());
        out.append(",\"usage\":{\"prompt_tokens\":").append(usage.promptTokens())
                .append(",\"generated_tokens\":").append(usage.generatedTokens())
                .append("},\"timings\":{\"load_ms\":");
        appendNumber(out, timings.loadMillis());
        out.append(",\"prompt_tokens_per_second\":");
        appendNumber(out, timings.promptTokensPerSecond());
        out.append(",\"generation_tokens_per_second\":");
        appendNumber(out, timings.generationTokensPerSecond());
        return out.append("}}").toString();
    }

    /** Writes a JSON string literal: quotes, backslash and control characters escaped, other text as is. */
    private static void appendString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (c < 0x20 || Character.isSurrogate(c) || c == 0x2028 || c == 0x2029) {
                        // An unpaired surrogate cannot be encoded as UTF-8, and U+2028/9 break JavaScript parsers.
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Writes a number rounded to 3 decimals in plain notation; NaN and infinities become 0. */
    private static void appendNumber(StringBuilder out, double value) {
        if (!Double.isFinite(value)) {
            out.append('0');
            return;
        }
        out.append(BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Generation g
                && text.equals(g.text)
                && Arrays.equals(tokenIds, g.tokenIds)
                && finishReason == g.finishReason
                && usage.equals(g.usage)
                && timings.equals(g.timings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text, Arrays.hashCode(tokenIds), finishReason, usage, timings);
    }

    @Override
    public String toString() {
        return "Generation[text=" + text + ", tokenIds=" + Arrays.toString(tokenIds) + ", finishReason="
                + finishReason + ", usage=" + usage + ", timings=" + timings + "]";
    }
}
