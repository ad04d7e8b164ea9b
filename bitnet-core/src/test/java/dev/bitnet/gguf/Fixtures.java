package dev.bitnet.gguf;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared test fixtures: the {@code bitnet.fixtures} property, else {@code ../shared/fixtures}. */
final class Fixtures {
    private Fixtures() {
    }

    static Path root() {
        String property = System.getProperty("bitnet.fixtures");
        Path root = property != null ? Path.of(property) : Path.of("../shared/fixtures");
        if (!Files.isDirectory(root) && property == null) {
            // Run from a module directory rather than the project root.
            root = Path.of("../../shared/fixtures");
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("test fixtures not found at " + root.toAbsolutePath());
        }
        return root;
    }

    static Path gguf(String model, String file) {
        return root().resolve(model).resolve("gguf").resolve(file);
    }
}
