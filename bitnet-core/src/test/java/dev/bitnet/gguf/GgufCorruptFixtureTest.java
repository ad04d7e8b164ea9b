package dev.bitnet.gguf;

import dev.bitnet.Fixtures;
import dev.bitnet.BitNetException;
import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Real fixture files cut short at every byte of their header and at samples of their data, and
 * corrupted field by field and at random: each must fail cleanly with a message naming the problem.
 */
class GgufCorruptFixtureTest {
    /** What a message about a cut file says, whichever field the cut falls in. */
    private static final Pattern TRUNCATED = Pattern.compile(
            "too short|the file ends|bytes remain in the file|impossible: a file of|cannot fit in a file of|(past|beyond) the end of the file");

    @Test
    void everyCutThroughTheMetadataAndSamplesOfTensorInfosAndData() throws IOException {
        Path path = Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf");
        byte[] bytes = Files.readAllBytes(path);
        MemorySegment whole = MemorySegment.ofArray(bytes);
        long infos;
        long dataOffset;
        try (GgufFile f = GgufFile.of(path, whole)) {
            infos = indexOf(bytes, f.tensors().getFirst().name()) - 8;
            dataOffset = f.dataOffset();
        }
        int checked = 0;
        for (long cut = 0; cut < bytes.length; cut += cut < infos ? 1 : cut < dataOffset ? 7 : 4093) {
            assertTruncated(path, whole.asSlice(0, cut));
            checked++;
        }
        assertTruncated(path, whole.asSlice(0, bytes.length - 1));
        assertThat(checked).isGreaterThan((int) infos);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-e-llama/tiny-e-llama-i2_s.gguf", "tiny-a-silu/tiny-a-silu-tq2_0.gguf", "tiny-a/tiny-a-f32.gguf"})
    void sampledCutsThroughOtherFixtures(String fixture) throws IOException {
        String[] parts = fixture.split("/");
        Path path = Fixtures.gguf(parts[0], parts[1]);
        byte[] bytes = Files.readAllBytes(path);
        MemorySegment whole = MemorySegment.ofArray(bytes);
        long dataOffset;
        try (GgufFile f = GgufFile.of(path, whole)) {
            dataOffset = f.dataOffset();
        }
        for (long cut = 0; cut < bytes.length; cut += cut < dataOffset ? 13 : 16381) {
            assertTruncated(path, whole.asSlice(0, cut));
        }
    }

    /** Checks cheaply and falls back to AssertJ only to describe a failure: this runs for thousands of cuts. */
    private static void assertTruncated(Path path, MemorySegment cut) {
        long size = cut.byteSize();
        Throwable t = catchThrowable(() -> GgufFile.of(path, cut));
        boolean ok = t instanceof ModelFormatException e && e.offset() >= 0 && e.offset() <= size
                && e.getMessage().startsWith(path.toString()) && TRUNCATED.matcher(e.getMessage()).find();
        if (!ok) {
            assertThat(t).as("cut at %d", size).isInstanceOf(ModelFormatException.class);
            assertThat(t.getMessage()).as("cut at %d", size).startsWith(path.toString()).containsPattern(TRUNCATED);
            assertThat(((ModelFormatException) t).offset()).as("cut at %d", size).isBetween(0L, size);
        }
    }

    @Test
    void truncatedFileOnDisk(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(Fixtures.gguf("tiny-a", "tiny-a-tq1_0.gguf"));
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> GgufFile.open(cut)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("cut.gguf").hasMessageContaining("blk.1.ffn_sub_norm.weight")
                .hasMessageContaining("runs past the end of the file");
        Path empty = dir.resolve("empty.gguf");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> GgufFile.open(empty)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("empty.gguf").hasMessageContaining("0 bytes is too short");
        assertThatThrownBy(() -> GgufFile.open(dir.resolve("missing.gguf"))).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("missing.gguf");
    }

    @Test
    void corruptedHeaderFields() throws IOException {
        Path path = Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf");
        byte[] good = Files.readAllBytes(path);

        assertFormatError(path, patch(good, 0, 'X'), "not a GGUF file", 0);
        assertFormatError(path, patchU32(good, 4, 1), "version 1", 4);
        assertFormatError(path, patchU64(good, 8, 1L << 40), "tensor count 1099511627776", 8);
        assertFormatError(path, patchU64(good, 16, 1L << 40), "metadata key count 1099511627776", 16);
        // One key fewer: the parser reads the last key/value as the first tensor info and must
        // stop on the nonsense it finds.
        assertThat(catchThrowable(() -> GgufFile.of(path, MemorySegment.ofArray(patchU64(good, 16, 22)))))
                .isInstanceOf(BitNetException.class);
        // One tensor more: the parser reads the padding and data as a tensor info.
        assertThat(catchThrowable(() -> GgufFile.of(path, MemorySegment.ofArray(patchU64(good, 8, 25)))))
                .isInstanceOf(ModelFormatException.class);
        // The first key's length (general.architecture = 20 bytes) made huge, then one too short.
        assertFormatError(path, patchU64(good, 24, 1L << 50), "key of metadata entry #0", 24);
        assertThat(catchThrowable(() -> GgufFile.of(path, MemorySegment.ofArray(patchU64(good, 24, 19)))))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining(path.toString());
        // The first value's type (STRING at byte 52) made unknown.
        assertFormatError(path, patchU32(good, 52, 77), "unknown value type id 77", 52);
    }

    @Test
    void corruptedTensorInfoFields() throws IOException {
        Path path = Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf");
        byte[] good = Files.readAllBytes(path);
        // Tensor info of blk.0.attn_q.weight: name, n_dims = 2, ne = [256, 256], type = 36, offset.
        int name = indexOf(good, "blk.0.attn_q.weight");
        int info = name - 8;
        int nDims = name + "blk.0.attn_q.weight".length();
        int dim0 = nDims + 4;
        int type = dim0 + 16;
        int offset = type + 4;
        assertThat(ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getInt(type)).isEqualTo(36);

        assertFormatError(path, patchU32(good, nDims, 0), "'blk.0.attn_q.weight' has 0 dimensions", nDims);
        assertFormatError(path, patchU32(good, nDims, 9), "'blk.0.attn_q.weight' has 9 dimensions", nDims);
        assertFormatError(path, patchU64(good, dim0, 0), "'blk.0.attn_q.weight' has dimension 0 = 0", dim0);
        assertFormatError(path, patchU64(good, dim0, 100), "'blk.0.attn_q.weight' of type I2_S has shape [100, 256]", nDims);
        assertFormatError(path, patchU64(good, dim0, 1L << 20), "'blk.0.attn_q.weight' (I2_S [1048576, 256]", info);
        assertFormatError(path, patchU64(good, dim0 + 8, 512), "overlap", -2);
        assertFormatError(path, patchU64(good, offset, 16), "'blk.0.attn_q.weight' has data offset 16, not a multiple of the alignment 32", offset);
        assertFormatError(path, patchU64(good, offset, 1L << 40), "'blk.0.attn_q.weight' has data offset 1099511627776, beyond", offset);
        assertFormatError(path, patchU64(good, offset, 0), "overlap", -2);
        assertFormatError(path, patch(good, name + 5, 0xFF), "name of tensor #3 is not valid UTF-8", info);

        Throwable tl2 = catchThrowable(() -> GgufFile.of(path, MemorySegment.ofArray(patchU32(good, type, 39))));
        assertThat(tl2).isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("'blk.0.attn_q.weight'").hasMessageContaining("TL2 (id 39)");
        Throwable q3k = catchThrowable(() -> GgufFile.of(path, MemorySegment.ofArray(patchU32(good, type, 11))));
        assertThat(q3k).isInstanceOf(UnsupportedModelException.class).hasMessageContaining("Q3_K (id 11)");
        Throwable unknown = catchThrowable(() -> GgufFile.of(path, MemorySegment.ofArray(patchU32(good, type, 1234))));
        assertThat(unknown).isInstanceOf(UnsupportedModelException.class).hasMessageContaining("unknown ggml type id 1234");
        // As F16 the tensor would take 131072 bytes instead of I2_S's 16416 and run into the next one.
        assertFormatError(path, patchU32(good, type, 1), "overlap", -2);
    }

    @Test
    void randomByteFlipsFailCleanly() throws IOException {
        Path path = Fixtures.gguf("tiny-e-llama", "tiny-e-llama-tq2_0.gguf");
        byte[] good = Files.readAllBytes(path);
        long dataOffset;
        try (GgufFile f = GgufFile.of(path, MemorySegment.ofArray(good))) {
            dataOffset = f.dataOffset();
        }
        Random random = new Random(20260723);
        int failures = 0;
        for (int i = 0; i < 1500; i++) {
            byte[] bad = good.clone();
            int flips = 1 + random.nextInt(4);
            for (int k = 0; k < flips; k++) {
                bad[random.nextInt((int) dataOffset)] = (byte) random.nextInt(256);
            }
            Throwable t = catchThrowable(() -> GgufFile.of(path, MemorySegment.ofArray(bad)));
            if (t != null) {
                if (!(t instanceof ModelFormatException || t instanceof UnsupportedModelException)
                        || !t.getMessage().startsWith(path.toString())) {
                    throw new AssertionError("flip round " + i + " failed with " + t, t);
                }
                failures++;
            }
        }
        // Most flips land in token strings and still parse; many must not.
        assertThat(failures).isBetween(50, 1450);
    }

    private static void assertFormatError(Path path, byte[] bytes, String fragment, long offset) {
        Throwable t = catchThrowable(() -> GgufFile.of(path, MemorySegment.ofArray(bytes)));
        assertThat(t).isInstanceOf(ModelFormatException.class).hasMessageContaining(path.toString()).hasMessageContaining(fragment);
        if (offset >= 0) {
            assertThat(((ModelFormatException) t).offset()).isEqualTo(offset);
        } else {
            assertThat(((ModelFormatException) t).offset()).isPositive();
        }
    }

    private static int indexOf(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + n.length <= haystack.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(needle + " not found");
    }

    private static byte[] patch(byte[] good, int at, int value) {
        byte[] b = good.clone();
        b[at] = (byte) value;
        return b;
    }

    private static byte[] patchU32(byte[] good, int at, long value) {
        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) value);
        return b;
    }

    private static byte[] patchU64(byte[] good, int at, long value) {
        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        return b;
    }
}
