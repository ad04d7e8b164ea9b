package dev.bitnet.gguf;

import dev.bitnet.Fixtures;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.kernels.format.TernaryCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Files written by {@link GgufWriter} read back with the same metadata (types included) and tensor bytes. */
class GgufWriterRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "alignment {0}")
    @ValueSource(ints = {32, 64})
    void everyValueTypeAndSeveralTensorTypes(int alignment) {
        GgufWriter w = new GgufWriter().alignment(alignment);
        w.putString("general.architecture", "bitnet-b1.58")
                .putUInt8("u8", 255).putInt8("i8", Byte.MIN_VALUE)
                .putUInt16("u16", 65535).putInt16("i16", Short.MIN_VALUE)
                .putUInt32("u32", 0xFFFF_FFFFL).putInt32("i32", Integer.MIN_VALUE)
                .putUInt64("u64", -1L).putInt64("i64", Long.MIN_VALUE)
                .putFloat32("f32", 1e-5f).putFloat32("nan", Float.NaN).putFloat64("f64", Math.PI)
                .putBool("yes", true).putBool("no", false)
                .putString("text", "Grüße, 世界 😀").putString("empty", "")
                .putUInt8Array("a.u8", new byte[]{0, 1, (byte) 255}).putInt8Array("a.i8", new byte[]{-128, 127})
                .putUInt16Array("a.u16", new short[]{(short) 65535}).putInt16Array("a.i16", new short[]{-1, 2})
                .putUInt32Array("a.u32", new int[]{-1, 5}).putInt32Array("a.i32", new int[]{1, -2, 3})
                .putUInt64Array("a.u64", new long[]{-1L}).putInt64Array("a.i64", new long[]{Long.MAX_VALUE, 0})
                .putFloat32Array("a.f32", new float[]{0.5f, -0f, Float.MAX_VALUE})
                .putFloat64Array("a.f64", new double[]{1e300, -2.5})
                .putBoolArray("a.bool", new boolean[]{true, false, true})
                .putStringArray("a.str", "", "a", "ß", "<|eot_id|>", "😀")
                .putInt32Array("a.empty", new int[0]);

        Random random = new Random(alignment);
        Map<String, byte[]> expected = new LinkedHashMap<>();
        byte[] f32 = randomBytes(random, 4 * 10);
        w.addTensor("f32", GgmlType.F32, new long[]{10}, f32);
        expected.put("f32", f32);
        byte[] f16 = randomBytes(random, 2 * 64 * 3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(f16.length);
            MemorySegment.copy(f16, 0, seg, ValueLayout.JAVA_BYTE, 0, f16.length);
            w.addTensor("f16", GgmlType.F16, new long[]{64, 3}, seg);
            expected.put("f16", f16);
            for (GgmlType type : List.of(GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q6_K)) {
                long[] shape = {256, 2};
                byte[] b = randomBytes(random, (int) type.byteSize(shape));
                w.addTensor(type.name().toLowerCase(), type, shape, b);
                expected.put(type.name().toLowerCase(), b);
            }
            for (TernaryLayout layout : List.of(TernaryLayout.I2_S, TernaryLayout.TQ2_0, TernaryLayout.TQ1_0)) {
                byte[] t = new byte[256 * 3];
                for (int i = 0; i < t.length; i++) {
                    t[i] = (byte) (random.nextInt(3) - 1);
                }
                byte[] b = TernaryCodec.encode(layout, t, 3, 256, 0.75f);
                GgmlType type = GgmlType.valueOf(layout.name());
                String name = "blk.0." + layout.name().toLowerCase() + ".weight";
                // Streamed in uneven chunks, as a generator producing rows would.
                w.addTensor(name, type, new long[]{256, 3}, out -> {
                    for (int p = 0; p < b.length; p += 37) {
                        out.write(ByteBuffer.wrap(b, p, Math.min(37, b.length - p)));
                    }
                });
                expected.put(name, b);
            }
            Path path = dir.resolve("all.gguf");
            w.write(path);
            assertThat(dir.resolve("all.gguf.tmp")).doesNotExist();

            try (GgufFile f = GgufFile.open(path)) {
                assertThat(f.version()).isEqualTo(3);
                assertThat(f.alignment()).isEqualTo(alignment);
                GgufMetadata m = f.metadata();
                assertThat(m.keys()).startsWith("general.alignment", "general.architecture", "u8").hasSize(30);
                assertThat(m.type("general.alignment")).isEqualTo(GgufValueType.UINT32);
                assertThat(m.getInt("general.alignment")).isEqualTo(alignment);
                assertScalar(m, "u8", GgufValueType.UINT8, (byte) -1);
                assertThat(m.getInt("u8")).isEqualTo(255);
                assertScalar(m, "i8", GgufValueType.INT8, Byte.MIN_VALUE);
                assertScalar(m, "u16", GgufValueType.UINT16, (short) -1);
                assertThat(m.getInt("u16")).isEqualTo(65535);
                assertScalar(m, "i16", GgufValueType.INT16, Short.MIN_VALUE);
                assertScalar(m, "u32", GgufValueType.UINT32, -1);
                assertThat(m.getLong("u32")).isEqualTo(0xFFFF_FFFFL);
                assertScalar(m, "i32", GgufValueType.INT32, Integer.MIN_VALUE);
                assertScalar(m, "u64", GgufValueType.UINT64, -1L);
                assertScalar(m, "i64", GgufValueType.INT64, Long.MIN_VALUE);
                assertScalar(m, "f32", GgufValueType.FLOAT32, 1e-5f);
                assertScalar(m, "nan", GgufValueType.FLOAT32, Float.NaN);
                assertScalar(m, "f64", GgufValueType.FLOAT64, Math.PI);
                assertScalar(m, "yes", GgufValueType.BOOL, true);
                assertScalar(m, "no", GgufValueType.BOOL, false);
                assertScalar(m, "text", GgufValueType.STRING, "Grüße, 世界 😀");
                assertScalar(m, "empty", GgufValueType.STRING, "");
                assertArray(m, "a.u8", GgufValueType.UINT8, new byte[]{0, 1, (byte) 255});
                assertArray(m, "a.i8", GgufValueType.INT8, new byte[]{-128, 127});
                assertArray(m, "a.u16", GgufValueType.UINT16, new short[]{(short) 65535});
                assertArray(m, "a.i16", GgufValueType.INT16, new short[]{-1, 2});
                assertArray(m, "a.u32", GgufValueType.UINT32, new int[]{-1, 5});
                assertArray(m, "a.i32", GgufValueType.INT32, new int[]{1, -2, 3});
                assertArray(m, "a.u64", GgufValueType.UINT64, new long[]{-1L});
                assertArray(m, "a.i64", GgufValueType.INT64, new long[]{Long.MAX_VALUE, 0});
                assertArray(m, "a.f32", GgufValueType.FLOAT32, new float[]{0.5f, -0f, Float.MAX_VALUE});
                assertArray(m, "a.f64", GgufValueType.FLOAT64, new double[]{1e300, -2.5});
                assertArray(m, "a.bool", GgufValueType.BOOL, new boolean[]{true, false, true});
                assertArray(m, "a.str", GgufValueType.STRING, new String[]{"", "a", "ß", "<|eot_id|>", "😀"});
                assertArray(m, "a.empty", GgufValueType.INT32, new int[0]);

                assertThat(f.tensors()).extracting(GgufTensor::name).containsExactlyElementsOf(expected.keySet());
                for (GgufTensor t : f.tensors()) {
                    assertThat(t.offset() % alignment).as(t.name()).isZero();
                    assertThat((t.offset() - f.dataOffset()) % alignment).isZero();
                    assertThat(f.data(t).toArray(ValueLayout.JAVA_BYTE)).as(t.name()).isEqualTo(expected.get(t.name()));
                }
                assertThat(f.tensor("f16").orElseThrow().shape()).containsExactly(64, 3);
                assertThat(f.tensor("blk.0.i2_s.weight").orElseThrow().type()).isEqualTo(GgmlType.I2_S);
                GgufTensor tq1 = f.tensor("blk.0.tq1_0.weight").orElseThrow();
                assertThat(TernaryCodec.scale(tq1.name(), TernaryLayout.TQ1_0, 3, 256, f.data(tq1))).isEqualTo(0.75f);
                GgufTensor last = f.tensors().getLast();
                assertThat(f.fileSize()).isEqualTo(last.offset() + (last.byteSize() + alignment - 1) / alignment * alignment);
            }
        }
    }

    @Test
    void copyingAFixtureReproducesItByteForByte() throws IOException {
        for (String[] fixture : List.of(new String[]{"tiny-a", "tiny-a-i2_s.gguf"}, new String[]{"tiny-a-silu", "tiny-a-silu-tq2_0.gguf"},
                new String[]{"tiny-e-llama", "tiny-e-llama-i2_s.gguf"})) {
            Path source = Fixtures.gguf(fixture[0], fixture[1]);
            Path copy = dir.resolve(fixture[1]);
            try (GgufFile f = GgufFile.open(source)) {
                GgufWriter w = new GgufWriter().putAll(f.metadata());
                for (GgufTensor t : f.tensors()) {
                    w.addTensor(t.name(), t.type(), t.shape(), f.data(t));
                }
                w.write(copy);
            }
            assertThat(Files.mismatch(source, copy)).as(fixture[1]).isEqualTo(-1L);
        }
    }

    @Test
    void nestedArraysSurviveACopy() {
        RawGguf raw = RawGguf.header(3, 0, 2).kvU32("plain", 7).key("nest", GgufValueType.ARRAY)
                .array(GgufValueType.ARRAY, 2).array(GgufValueType.UINT16, 1).u8(1).u8(2).array(GgufValueType.STRING, 1).str("x");
        Path path = dir.resolve("nested.gguf");
        try (GgufFile f = raw.parse()) {
            new GgufWriter().putAll(f.metadata()).write(path);
        }
        try (GgufFile f = GgufFile.open(path)) {
            List<?> nest = (List<?>) f.metadata().value("nest").orElseThrow();
            assertThat(nest.get(0)).isEqualTo(new short[]{0x0201});
            assertThat(nest.get(1)).isEqualTo(new String[]{"x"});
            assertThat(f.metadata().getInt("plain")).isEqualTo(7);
            assertThat(f.tensors()).isEmpty();
        }
    }

    @Test
    void replacingAndRemovingKeysKeepsTheirPlace() {
        Path path = dir.resolve("keys.gguf");
        new GgufWriter().putUInt32("a", 1).putUInt32("b", 2).putUInt32("c", 3).putString("a", "again").remove("b").write(path);
        try (GgufFile f = GgufFile.open(path)) {
            assertThat(f.metadata().keys()).containsExactly("a", "c");
            assertThat(f.metadata().getString("a")).isEqualTo("again");
            assertThat(f.alignment()).isEqualTo(GgufWriter.DEFAULT_ALIGNMENT);
        }
    }

    @Test
    void largeTensorStreamsFromOneReusedBuffer() throws IOException {
        // 8 MiB of I2_S written 4 KiB at a time from one reused buffer.
        long rows = 4096;
        long cols = 8192;
        long bytes = GgmlType.I2_S.byteSize(new long[]{cols, rows});
        byte[] chunk = new byte[4096];
        Path path = dir.resolve("big.gguf");
        new GgufWriter().putString("general.architecture", "bitnet-b1.58")
                .addTensor("w", GgmlType.I2_S, new long[]{cols, rows}, out -> {
                    for (long p = 0; p < bytes; p += chunk.length) {
                        int n = (int) Math.min(chunk.length, bytes - p);
                        Arrays.fill(chunk, 0, n, (byte) (p / chunk.length));
                        out.write(ByteBuffer.wrap(chunk, 0, n));
                    }
                }).write(path);
        try (GgufFile f = GgufFile.open(path)) {
            GgufTensor t = f.tensor("w").orElseThrow();
            assertThat(t.byteSize()).isEqualTo(cols * rows / 4 + 32);
            assertThat(f.data(t).get(ValueLayout.JAVA_BYTE, 5 * 4096 + 17)).isEqualTo((byte) 5);
        }
        assertThat(Files.size(path)).isGreaterThan(bytes);
    }

    @Test
    void sourcesMustWriteExactlyTheTensorSize() {
        Path path = dir.resolve("bad.gguf");
        GgufWriter tooMuch = new GgufWriter().addTensor("w", GgmlType.F32, new long[]{4}, out -> out.write(ByteBuffer.allocate(20)));
        assertThatThrownBy(() -> tooMuch.write(path)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tensor w").hasMessageContaining("more than its 16 bytes");
        GgufWriter tooLittle = new GgufWriter().addTensor("w", GgmlType.F32, new long[]{4}, out -> out.write(ByteBuffer.allocate(12)));
        assertThatThrownBy(() -> tooLittle.write(path)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tensor w").hasMessageContaining("wrote 12 of 16 bytes");
        GgufWriter failing = new GgufWriter().addTensor("w", GgmlType.F32, new long[]{4}, out -> {
            throw new IOException("generator broke");
        });
        assertThatThrownBy(() -> failing.write(path)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("bad.gguf").hasRootCauseMessage("generator broke");
        assertThat(path).doesNotExist();
        assertThat(dir.resolve("bad.gguf.tmp")).doesNotExist();
    }

    @Test
    void writerRejectsBadInput() {
        GgufWriter w = new GgufWriter().addTensor("w", GgmlType.F32, new long[]{4}, new byte[16]);
        assertThatThrownBy(() -> w.addTensor("w", GgmlType.F32, new long[]{4}, new byte[16]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate tensor w");
        assertThatThrownBy(() -> w.addTensor("x", GgmlType.F32, new long[]{4}, new byte[15]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("takes 16 bytes, got 15");
        assertThatThrownBy(() -> w.addTensor("x", GgmlType.Q8_0, new long[]{33}, new byte[34]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> w.addTensor("x", GgmlType.F32, new long[]{1, 1, 1, 1, 1}, out -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tensor x").hasMessageContaining("1 to 4 dimensions");
        assertThatThrownBy(() -> w.addTensor("", GgmlType.F32, new long[]{1}, new byte[4]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> w.alignment(48)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> w.alignment(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.putInt32("general.alignment", 32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("UINT32");
        assertThatThrownBy(() -> w.putUInt8("k", 256)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 255]");
        assertThatThrownBy(() -> w.putUInt16("k", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.putUInt32("k", 1L << 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.putString("", "v")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> w.putString("k", "bad \uD800 surrogate")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not well-formed Unicode");
        assertThatThrownBy(() -> w.putStringArray("k", "ok", null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void writingReplacesAnExistingFile() throws IOException {
        Path path = dir.resolve("again.gguf");
        Files.writeString(path, "old contents that are not GGUF");
        new GgufWriter().putUInt32("x", 1).write(path);
        try (GgufFile f = GgufFile.open(path)) {
            assertThat(f.metadata().getInt("x")).isEqualTo(1);
        }
    }

    private static void assertScalar(GgufMetadata m, String key, GgufValueType type, Object value) {
        assertThat(m.type(key)).as(key).isEqualTo(type);
        assertThat(m.value(key)).as(key).contains(value);
    }

    private static void assertArray(GgufMetadata m, String key, GgufValueType elementType, Object items) {
        assertThat(m.type(key)).as(key).isEqualTo(GgufValueType.ARRAY);
        assertThat(m.elementType(key)).as(key).isEqualTo(elementType);
        assertThat(m.value(key).orElseThrow()).as(key).isEqualTo(items);
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
