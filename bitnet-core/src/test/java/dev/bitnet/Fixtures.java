package dev.bitnet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Locates and reads the shared reference fixtures ({@code ../shared/fixtures}). */
public final class Fixtures {
    private Fixtures() {
    }

    /** The fixtures directory; the build passes it as the {@code bitnet.fixtures} system property. */
    public static Path root() {
        String prop = System.getProperty("bitnet.fixtures");
        Path root = prop != null ? Path.of(prop) : Path.of("../shared/fixtures");
        if (!Files.isDirectory(root)) {
            root = Path.of("../../shared/fixtures");
        }
        if (!Files.isDirectory(root)) {
            // fail loudly: a suite that skips its reference checks proves nothing
            throw new IllegalStateException("test fixtures not found at " + root.toAbsolutePath());
        }
        return root;
    }

    /** A GGUF of one fixture model, e.g. {@code gguf("tiny-a", "tiny-a-i2_s.gguf")}. */
    public static Path gguf(String model, String file) {
        return root().resolve(model).resolve("gguf").resolve(file);
    }

    public static Path file(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("fixture missing: " + p);
        }
        return p;
    }

    /** A little-endian float32 file. */
    public static float[] floats(String relative) {
        try {
            byte[] bytes = Files.readAllBytes(file(relative));
            float[] out = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String relative) {
        try {
            return Files.readString(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The integer array stored under {@code key} in a small JSON document. */
    public static int[] intArray(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no array '" + key + "' in fixture JSON");
        }
        String body = m.group(1).trim();
        if (body.isEmpty()) {
            return new int[0];
        }
        String[] parts = body.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i].trim());
        }
        return out;
    }
}
