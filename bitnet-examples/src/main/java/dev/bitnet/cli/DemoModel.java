package dev.bitnet.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The demo model shipped inside the CLI jar, used when a command gets no {@code --model}. A model is
 * memory-mapped, so the resource is copied once to a cache file named by its content hash.
 */
final class DemoModel {
    static final String RESOURCE = "/dev/bitnet/examples/demo/demo.gguf";

    private DemoModel() {
    }

    /** {@code --model FILE}, or the demo model when absent. */
    static Path modelOrDemo(Args args, PrintStream err) {
        var given = args.path("model");
        if (given.isPresent()) {
            return given.get();
        }
        Path demo = extract().orElseThrow(() -> new UsageException("missing --model FILE (this build has no demo model)"));
        err.println("no --model given: using the built-in demo model (" + demo + ")");
        return demo;
    }

    static Optional<Path> extract() {
        try (InputStream in = DemoModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "bitnet-java-demo");
            Files.createDirectories(dir);
            Path target = dir.resolve("demo-model-" + hash + ".gguf");
            if (!Files.exists(target) || Files.size(target) != bytes.length) {
                Path tmp = Files.createTempFile(dir, "demo-", ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return Optional.of(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the demo model: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
