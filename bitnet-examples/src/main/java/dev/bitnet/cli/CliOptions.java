package dev.bitnet.cli;

import dev.bitnet.LoadOptions;

/** Flags shared by the commands that load a model. */
final class CliOptions {
    private CliOptions() {
    }

    /** {@code --threads N}, {@code --ctx N}, {@code --kernel NAME}, {@code --batch-size N}, {@code --chat-template NAME}. */
    static LoadOptions loadOptions(Args args) {
        LoadOptions.Builder b = LoadOptions.builder();
        try {
            args.integer("threads").ifPresent(b::threads);
            args.integer("ctx").ifPresent(b::contextLength);
            args.string("kernel").ifPresent(b::kernel);
            args.integer("batch-size").ifPresent(b::batchSize);
            args.string("chat-template").ifPresent(b::chatTemplate);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return b.build();
    }
}
