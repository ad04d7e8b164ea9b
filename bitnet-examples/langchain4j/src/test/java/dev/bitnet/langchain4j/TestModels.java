package dev.bitnet.langchain4j;

import dev.bitnet.BitNetModel;
import dev.bitnet.examples.demo.DemoModel;

import java.nio.file.Path;
import java.util.Optional;

/** The models the tests run on: the demo model, and a real one given with {@code -Dbitnet.it.model=PATH}. */
final class TestModels {
    /** Why tests that need a model which knows facts are skipped. */
    static final String NEEDS_REAL_MODEL = "needs a model that knows facts (BitNet b1.58 2B-4T): run with -Dbitnet.it.model=PATH";

    private static BitNetModel demo;
    private static BitNetModel real;

    private TestModels() {
    }

    /** The path given with {@code -Dbitnet.it.model}, if any. */
    static Optional<Path> realModelPath() {
        return Optional.ofNullable(System.getProperty("bitnet.it.model")).filter(s -> !s.isBlank()).map(Path::of);
    }

    /** The demo model, loaded once per test JVM and shared (as a provider's {@code model(...)} would be). */
    static synchronized BitNetModel demo() {
        if (demo == null) {
            demo = BitNetModel.load(demoPath());
        }
        return demo;
    }

    static Path demoPath() {
        return DemoModel.extract().orElseThrow(() -> new IllegalStateException("the demo model is not on the class path"));
    }

    /** The real model when one is given, else the demo model. */
    static synchronized BitNetModel itModel() {
        Optional<Path> path = realModelPath();
        if (path.isEmpty()) {
            return demo();
        }
        if (real == null) {
            real = BitNetModel.load(path.get());
        }
        return real;
    }
}
