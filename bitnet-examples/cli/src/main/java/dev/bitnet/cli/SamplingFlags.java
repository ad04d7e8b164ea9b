package dev.bitnet.cli;

import dev.bitnet.GenerationOptions;

/** The sampling flags shared by {@code generate} and {@code chat}, mapped onto {@link GenerationOptions}. */
final class SamplingFlags {
    static final String USAGE = "[--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--min-p P] "
            + "[--repeat-penalty R] [--repeat-last-n N] [--frequency-penalty F] [--presence-penalty P] [--seed S] "
            + "[--stop TEXT]... [--stop-id ID]...";

    private SamplingFlags() {
    }

    static GenerationOptions parse(Args args, GenerationOptions defaults) {
        GenerationOptions.Builder b = defaults.toBuilder();
        try {
            args.integer("max-tokens").or(() -> args.integer("n")).ifPresent(b::maxTokens);
            args.number("temperature").or(() -> args.number("temp")).ifPresent(b::temperature);
            args.integer("top-k").ifPresent(b::topK);
            args.number("top-p").ifPresent(b::topP);
            args.number("min-p").ifPresent(b::minP);
            args.number("repeat-penalty").ifPresent(b::repeatPenalty);
            args.integer("repeat-last-n").ifPresent(b::penaltyWindow);
            args.number("frequency-penalty").ifPresent(b::frequencyPenalty);
            args.number("presence-penalty").ifPresent(b::presencePenalty);
            args.longValue("seed").ifPresent(b::seed);
            if (!args.all("stop").isEmpty()) {
                b.stopStrings(args.all("stop"));
            }
            if (!args.all("stop-id").isEmpty()) {
                b.stopTokenIds(args.all("stop-id").stream().map(v -> parseId(v)).toList());
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static int parseId(String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--stop-id expects an integer, got '" + v + "'");
        }
    }
}
