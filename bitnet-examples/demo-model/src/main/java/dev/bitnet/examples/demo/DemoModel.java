package dev.bitnet.examples.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The small demo model this project trained (see {@code MODEL.md} beside it), shipped as a class-path
 * resource so that the command line, the server and the framework examples run with no download.
 * A model is memory-mapped, so the resource is copied once to a cache file named by its content hash.
 */
public final class DemoModel {
    /** Class-path location of the GGUF file. */
    public static final String RESOURCE = "/dev/bitnet/examples/demo/demo.gguf";

    private DemoModel() {
    }

    /**
     * The demo model as a file: {@code java.io.tmpdir/bitnet-java-demo/demo-model-HASH.gguf}, written
     * atomically on first use. Empty when the resource is not on the class path.
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    public static Optional<Path> extract() {
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
