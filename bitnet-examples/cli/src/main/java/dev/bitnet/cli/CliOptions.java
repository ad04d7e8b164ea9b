package dev.bitnet.cli;

import dev.bitnet.LoadOptions;

/** Flags shared by the commands that load a model. */
final class CliOptions {
    /** Value-less flags read here, accepted by every command (and rejected by those that do not load a model). */
    static final String[] SWITCHES = {"int8-head"};
    private CliOptions() {
    }

    /** {@code --threads N}, {@code --ctx N}, {@code --kernel NAME}, {@code --batch-size N}, {@code --chat-template NAME}, {@code --int8-head}, {@code --head exact|int8|bounded}. */
    static LoadOptions loadOptions(Args args) {
        LoadOptions.Builder b = LoadOptions.builder();
        try {
            args.integer("threads").ifPresent(b::threads);
            args.integer("ctx").ifPresent(b::contextLength);
            args.string("kernel").ifPresent(b::kernel);
            args.integer("batch-size").ifPresent(b::batchSize);
            args.string("chat-template").ifPresent(b::chatTemplate);
            b.int8Head(args.flag("int8-head"));
            if (args.string("head").isPresent()) {
                String head = args.string("head").get();
                try {
                    b.headMode(LoadOptions.HeadMode.valueOf(head.toUpperCase(java.util.Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--head must be exact, int8 or bounded, got " + head);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return b.build();
    }
}
