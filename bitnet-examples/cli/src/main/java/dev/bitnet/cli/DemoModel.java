package dev.bitnet.cli;

import java.io.PrintStream;
import java.nio.file.Path;

/** {@code --model FILE|hf://...}, or the demo model shipped in the jar when a command gets none. */
final class DemoModel {
    private DemoModel() {
    }

    /** Resolves the model (downloading an {@code hf://} reference); call after {@link Args#finish()}. */
    static Path modelOrDemo(ModelArgument given, PrintStream err, boolean quiet) {
        if (given.isPresent()) {
            return given.resolve(err, quiet);
        }
        Path demo = dev.bitnet.examples.demo.DemoModel.extract()
                .orElseThrow(() -> new UsageException("missing --model FILE (this build has no demo model)"));
        err.println("no --model given: using the built-in demo model (" + demo + ")");
        return demo;
    }
}
