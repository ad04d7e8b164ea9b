package dev.bitnet.safetensors;

import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SafetensorsFileTest {
    private static final Path FIXTURES = Path.of(System.getProperty("bitnet.fixtures", "../shared/fixtures"));

    @TempDir
    Path dir;

    @Test
    void readsTensorsDataAndMetadata() throws IOException {
        byte[] bytes = {1, 2, 3, 4, (byte) 0xFF};
        Path file = new SafetensorsWriter()
                .metadata(Map.of("format", "pt"))
                .add("a", "F32", new long[] {2, 3}, SafetensorsWriter.f32(1, 2, 3, 4, 5, 6))
                .add("b", "U8", new long[] {5}, bytes)
                .add("scalar", "BF16", new long[] {}, new byte[] {0, 0x3F})
                .write(dir.resolve("m.safetensors"));
        long dataStart = 8 + ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"));
            assertThat(f.tensors()).extracting(SafetensorsTensor::name).containsExactly("a", "b", "scalar");
            SafetensorsTensor a = f.tensor("a").orElseThrow();
            assertThat(a.dtype()).isEqualTo(SafetensorsDtype.F32);
            assertThat(a.shape()).containsExactly(2L, 3L);
            assertThat(a.elementCount()).isEqualTo(6);
            assertThat(a.offset()).isEqualTo(dataStart);
            assertThat(f.data(a).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(1, 2, 3, 4, 5, 6);
            SafetensorsTensor b = f.tensor("b").orElseThrow();
            assertThat(b.offset()).isEqualTo(dataStart + 24);
            assertThat(f.data(b).toArray(ValueLayout.JAVA_BYTE)).containsExactly(bytes);
            SafetensorsTensor s = f.tensor("scalar").orElseThrow();
            assertThat(s.rank()).isZero();
            assertThat(s.elementCount()).isEqualTo(1);
            assertThat(f.data(s).get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)).isEqualTo((short) 0x3F00);
            assertThat(f.data(s).isReadOnly()).isTrue();
            assertThat(f.tensor("missing")).isEmpty();
        }
    }

    @Test
    void readsTheTinyFixture() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(FIXTURES.resolve("tiny-a/hf/model.safetensors"))) {
            assertThat(f.tensors()).hasSize(38);
            SafetensorsTensor q = f.tensor("model.layers.1.self_attn.q_proj.weight").orElseThrow();
            assertThat(q.dtype()).isEqualTo(SafetensorsDtype.U8);
            assertThat(q.shape()).containsExactly(64L, 256L);
            SafetensorsTensor scale = f.tensor("model.layers.1.self_attn.q_proj.weight_scale").orElseThrow();
            assertThat(f.data(scale).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).isPositive().isFinite();
        }
    }

    @Test
    void rejectsAFileTooShortForTheHeaderLength() throws IOException {
        Path file = Files.write(dir.resolve("short.safetensors"), new byte[5]);
        ModelFormatException e = open(file);
        assertThat(e).hasMessageContaining("5 bytes, too few");
        assertThat(e.path()).isEqualTo(file);
        assertThat(e.offset()).isZero();
    }

    @Test
    void rejectsAHeaderLengthBeyondTheFile() throws IOException {
        Path file = Files.write(dir.resolve("long.safetensors"), header(1000, "{}"));
        assertThat(open(file)).hasMessageContaining("header length 1000 exceeds the 2 bytes after it");
    }

    @Test
    void rejectsANegativeHeaderLengthAsUnsigned() throws IOException {
        Path file = Files.write(dir.resolve("neg.safetensors"), header(-1, "{}"));
        assertThat(open(file)).hasMessageContaining("header length 18446744073709551615 exceeds");
    }

    @Test
    void rejectsAHeaderLengthOverTheLimitBeforeReadingIt() throws IOException {
        Path file = dir.resolve("huge.safetensors");
        long claimed = SafetensorsFile.MAX_HEADER_BYTES + 1;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(header(claimed, ""));
            raf.setLength(8 + claimed); // sparse: nothing is written, nothing is read
        }
        assertThat(open(file)).hasMessageContaining("exceeds the limit of 100000000 bytes");
    }

    @Test
    void rejectsInvalidJson() throws IOException {
        Path file = SafetensorsWriter.write(dir.resolve("bad.safetensors"), "{\"a\": {\"dtype\": ", new byte[0]);
        ModelFormatException e = open(file);
        assertThat(e).hasMessageContaining("invalid JSON in the safetensors header");
        assertThat(e.offset()).isGreaterThanOrEqualTo(8);
    }

    @Test
    void rejectsAHeaderThatIsNotAnObject() throws IOException {
        Path file = SafetensorsWriter.write(dir.resolve("array.safetensors"), "[1, 2]", new byte[0]);
        assertThat(open(file)).hasMessageContaining("not a JSON object");
    }

    @Test
    void rejectsAnEmptyHeader() throws IOException {
        Path file = Files.write(dir.resolve("empty.safetensors"), header(2, "  "));
        assertThat(open(file)).hasMessageContaining("header is empty");
    }

    @Test
    void rejectsContentAfterTheHeaderObject() throws IOException {
        Path file = SafetensorsWriter.write(dir.resolve("trail.safetensors"), "{} {}", new byte[0]);
        assertThat(open(file)).hasMessageContaining("after the safetensors header object");
    }

    @Test
    void rejectsDuplicateTensorNames() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter()
                .add("x", "U8", new long[] {1}, new byte[1])
                .addRaw("x", "U8", new long[] {1}, 1, 2, new byte[1]);
        assertThat(open(w.write(dir.resolve("dup.safetensors")))).hasMessageContaining("Duplicate field 'x'");
    }

    @Test
    void rejectsATruncatedDataSection() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter()
                .add("first", "F32", new long[] {4}, new byte[16])
                .add("last", "F32", new long[] {4}, new byte[16]);
        byte[] data = Arrays.copyOf(w.data(), 20);
        ModelFormatException e = open(SafetensorsWriter.write(dir.resolve("trunc.safetensors"), w.header(), data));
        assertThat(e).hasMessageContaining("tensor 'last'").hasMessageContaining("data_offsets [16, 32] reach past the data section, which holds 20 bytes");
        assertThat(e.offset()).isGreaterThan(8);
    }

    @Test
    void rejectsATruncatedCheckpoint() throws IOException {
        byte[] whole = Files.readAllBytes(FIXTURES.resolve("tiny-a/hf/model.safetensors"));
        Path file = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(whole, whole.length - 100));
        assertThat(open(file)).hasMessageContaining("tensor 'model.layers.1.mlp.ffn_sub_norm.weight'")
                .hasMessageContaining("reach past the data section");
    }

    @Test
    void rejectsOffsetsThatDoNotMatchDtypeAndShape() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().addRaw("w", "F16", new long[] {2, 3}, 0, 10, new byte[10]);
        assertThat(open(w.write(dir.resolve("size.safetensors"))))
                .hasMessageContaining("tensor 'w': data_offsets [0, 10] span 10 bytes, but F16 [2, 3] takes 12");
    }

    @Test
    void rejectsOffsetsThatEndBeforeTheyBegin() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().addRaw("w", "U8", new long[] {0}, 4, 2, new byte[8]);
        assertThat(open(w.write(dir.resolve("rev.safetensors")))).hasMessageContaining("end before they begin");
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter()
                .addRaw("a", "U8", new long[] {8}, 0, 8, new byte[8])
                .addRaw("b", "U8", new long[] {4}, 6, 10, new byte[4]);
        assertThat(open(w.write(dir.resolve("overlap.safetensors"))))
                .hasMessageContaining("tensor 'b': data_offsets [6, 10] overlap those of tensor 'a' [0, 8]");
    }

    @Test
    void acceptsEmptyTensorsAnywhere() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter()
                .addRaw("a", "U8", new long[] {8}, 0, 8, new byte[8])
                .addRaw("empty", "F32", new long[] {0, 5}, 4, 4, new byte[0]);
        try (SafetensorsFile f = SafetensorsFile.open(w.write(dir.resolve("zero.safetensors")))) {
            assertThat(f.data(f.tensor("empty").orElseThrow()).byteSize()).isZero();
        }
    }

    @Test
    void rejectsAbsurdShapesWithoutAllocating() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().addRaw("w", "F32", new long[] {1L << 40, 1L << 40}, 0, 4, new byte[4]);
        assertThat(open(w.write(dir.resolve("absurd.safetensors")))).hasMessageContaining("tensor 'w': shape [1099511627776, 1099511627776] is too large");
    }

    @Test
    void rejectsNegativeAndNonIntegerDimensions() throws IOException {
        Path neg = SafetensorsWriter.write(dir.resolve("neg.safetensors"),
                "{\"w\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}", new byte[0]);
        assertThat(open(neg)).hasMessageContaining("shape holds -1");
        Path frac = SafetensorsWriter.write(dir.resolve("frac.safetensors"),
                "{\"w\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,0]}}", new byte[0]);
        assertThat(open(frac)).hasMessageContaining("shape holds VALUE_NUMBER_FLOAT");
        Path big = SafetensorsWriter.write(dir.resolve("big.safetensors"),
                "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", new byte[0]);
        assertThat(open(big)).hasMessageContaining("non-negative 64-bit integer");
    }

    @Test
    void rejectsAnEntryWithoutDataOffsets() throws IOException {
        Path file = SafetensorsWriter.write(dir.resolve("nooff.safetensors"), "{\"w\":{\"dtype\":\"U8\",\"shape\":[1]}}", new byte[1]);
        assertThat(open(file)).hasMessageContaining("tensor 'w': entry has no data_offsets");
    }

    @Test
    void rejectsAnUnknownDtypeAsUnsupported() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().add("w", "F4", new long[] {2}, new byte[1]);
        Path file = w.write(dir.resolve("f4.safetensors"));
        assertThatThrownBy(() -> SafetensorsFile.open(file)).isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("tensor 'w' has dtype F4");
    }

    @Test
    void rejectsNonStringMetadata() throws IOException {
        Path file = SafetensorsWriter.write(dir.resolve("meta.safetensors"), "{\"__metadata__\":{\"n\":1}}", new byte[0]);
        assertThat(open(file)).hasMessageContaining("__metadata__ value of 'n' is not a string");
    }

    @Test
    void refusesTensorsOfOtherFilesAndUseAfterClose() throws IOException {
        Path one = new SafetensorsWriter().add("w", "U8", new long[] {1}, new byte[1]).write(dir.resolve("1.safetensors"));
        Path two = new SafetensorsWriter().add("w", "U8", new long[] {1}, new byte[1]).write(dir.resolve("2.safetensors"));
        SafetensorsFile a = SafetensorsFile.open(one);
        try (SafetensorsFile b = SafetensorsFile.open(two)) {
            SafetensorsTensor fromB = b.tensor("w").orElseThrow();
            assertThatThrownBy(() -> a.data(fromB)).isInstanceOf(IllegalArgumentException.class);
        }
        SafetensorsTensor fromA = a.tensor("w").orElseThrow();
        MemorySegment kept = a.data(fromA);
        a.close();
        a.close();
        assertThatThrownBy(() -> a.data(fromA)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> kept.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    private static byte[] header(long length, String json) {
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN).putLong(length).put(text).array();
    }

    private static ModelFormatException open(Path file) {
        ModelFormatException e = catchThrowableOfType(ModelFormatException.class, () -> SafetensorsFile.open(file).close());
        assertThat(e).as("opening %s should fail", file).isNotNull();
        assertThat(e.path()).isEqualTo(file);
        assertThat(e.getMessage()).startsWith(file.toString());
        return e;
    }
}
