package dev.bitnet.gguf;

import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Hand-built malformed files: each must fail with a {@link ModelFormatException} (or
 * {@link UnsupportedModelException} for types we do not read) whose message names the problem, the
 * key or tensor, and whose offset points at the bad field.
 */
class GgufHostileInputTest {
    private static final long U64_MAX = -1L;

    @Test
    void validBaseFileParses() {
        try (GgufFile f = f32Tensor(0, 8).parse()) {
            assertThat(f.tensors()).singleElement().satisfies(t -> {
                assertThat(t.name()).isEqualTo("t");
                assertThat(t.offset()).isEqualTo(f.dataOffset());
                assertThat(t.byteSize()).isEqualTo(32);
            });
        }
    }

    @Test
    void tooShortForMagic() {
        assertThat(rejects(new RawGguf().bytes(new byte[]{'G', 'G'}), "2 bytes is too short").offset()).isZero();
        assertThat(rejects(new RawGguf(), "0 bytes is too short").offset()).isZero();
    }

    @Test
    void badMagic() {
        RawGguf raw = new RawGguf().bytes(new byte[]{'G', 'G', 'M', 'L'}).u32(3).u64(0).u64(0);
        ModelFormatException e = rejects(raw, "not a GGUF file", "47 47 4D 4C");
        assertThat(e.offset()).isZero();
        assertThat(e.path()).isEqualTo(RawGguf.NAME);
    }

    @Test
    void unsupportedVersions() {
        assertThat(rejects(RawGguf.header(1, 0, 0), "version 1").offset()).isEqualTo(4);
        rejects(RawGguf.header(0, 0, 0), "unsupported GGUF version 0");
        rejects(RawGguf.header(4, 0, 0), "unsupported GGUF version 4");
        rejects(RawGguf.header(Integer.reverseBytes(3), 0, 0), "big-endian");
    }

    @Test
    void versionTwoHasTheSameLayout() {
        RawGguf raw = RawGguf.header(2, 0, 1).kvString("general.name", "v2");
        try (GgufFile f = raw.parse()) {
            assertThat(f.version()).isEqualTo(2);
            assertThat(f.metadata().getString("general.name")).isEqualTo("v2");
        }
    }

    @Test
    void headerCutShort() {
        rejects(new RawGguf().bytes("GGUF".getBytes()).u32(3).u64(0), "ends", "metadata key count");
        rejects(new RawGguf().bytes("GGUF".getBytes()).u8(3), "ends", "version");
    }

    @ParameterizedTest
    @ValueSource(longs = {U64_MAX, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, 1000})
    void absurdTensorCount(long count) {
        ModelFormatException e = rejects(RawGguf.header(3, count, 0).zeros(64), "tensor count", Long.toUnsignedString(count), "impossible");
        assertThat(e.offset()).isEqualTo(8);
    }

    @ParameterizedTest
    @ValueSource(longs = {U64_MAX, Long.MAX_VALUE, 1L << 40, 100})
    void absurdKeyCount(long count) {
        ModelFormatException e = rejects(RawGguf.header(3, 0, count).zeros(64), "metadata key count", Long.toUnsignedString(count));
        assertThat(e.offset()).isEqualTo(16);
    }

    @Test
    void keyCountAboveTheLimitEvenWhenTheFileIsLargeEnough() {
        long count = GgufParser.MAX_KEYS + 1;
        RawGguf raw = RawGguf.header(3, 0, count).zeros(14 * count);
        assertThat(rejects(raw, "metadata key count 1048577 exceeds the 1048576 that bitnet-java reads").offset()).isEqualTo(16);
    }

    @Test
    void countsThatFitAloneButNotTogether() {
        rejects(RawGguf.header(3, 2, 3).zeros(70), "2 tensors and 3 metadata keys cannot fit");
    }

    @Test
    void keyLongerThanTheFile() {
        RawGguf raw = RawGguf.header(3, 0, 1).mark("key").u64(1000).bytes("abc".getBytes()).u32(4).u32(1).zeros(8);
        ModelFormatException e = rejects(raw, "key of metadata entry #0", "length 1000", "remain");
        assertThat(e.offset()).isEqualTo(raw.at("key"));
    }

    @Test
    void keyLongerThanTheSpecLimit() {
        RawGguf raw = RawGguf.header(3, 0, 1).u64(70_000).zeros(70_100);
        rejects(raw, "key of metadata entry #0", "length 70000", "limit of 65535");
    }

    @Test
    void emptyAndDuplicateKeys() {
        rejects(RawGguf.header(3, 0, 1).str("").u32(4).u32(7), "metadata entry #0 has an empty key");
        RawGguf dup = RawGguf.header(3, 0, 2).kvU32("a.b", 1).mark("second").kvU32("a.b", 2);
        assertThat(rejects(dup, "duplicate metadata key 'a.b'").offset()).isEqualTo(dup.at("second"));
    }

    @Test
    void unknownValueType() {
        RawGguf raw = RawGguf.header(3, 0, 1).str("weird.key").mark("type").u32(13).u64(0);
        assertThat(rejects(raw, "'weird.key'", "unknown value type id 13").offset()).isEqualTo(raw.at("type"));
    }

    @Test
    void stringValueLongerThanTheFile() {
        RawGguf raw = RawGguf.header(3, 0, 1).key("general.name", GgufValueType.STRING).mark("len").u64(U64_MAX).zeros(16);
        ModelFormatException e = rejects(raw, "value of metadata key 'general.name'", "18446744073709551615");
        assertThat(e.offset()).isEqualTo(raw.at("len"));
        rejects(RawGguf.header(3, 0, 1).key("general.name", GgufValueType.STRING).u64(100).zeros(16),
                "'general.name'", "length 100 but only 16 bytes remain");
    }

    @Test
    void scalarValueCutShort() {
        rejects(RawGguf.header(3, 0, 1).key("x.f64", GgufValueType.FLOAT64).zeros(5),
                "ends", "value of metadata key 'x.f64'", "needs 8 bytes");
    }

    @Test
    void invalidUtf8() {
        byte[] bad = {'a', (byte) 0xC3, 'b'};
        rejects(RawGguf.header(3, 0, 1).str(bad).u32(4).u32(1), "key of metadata entry #0", "not valid UTF-8");
        rejects(RawGguf.header(3, 0, 1).key("general.name", GgufValueType.STRING).str(new byte[]{(byte) 0xFF}),
                "'general.name'", "not valid UTF-8");
        byte[] overlong = {(byte) 0xC0, (byte) 0xAF};
        rejects(RawGguf.header(3, 0, 1).key("tok", GgufValueType.ARRAY).array(GgufValueType.STRING, 2).str("ok").str(overlong),
                "element 1 of array 'tok'", "not valid UTF-8");
        byte[] surrogate = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};
        rejects(RawGguf.header(3, 1, 0).str(surrogate).u32(1).u64(8).u32(0).u64(0), "name of tensor #0", "not valid UTF-8");
    }

    @Test
    void invalidBool() {
        RawGguf raw = RawGguf.header(3, 0, 1).key("flag", GgufValueType.BOOL).mark("v").u8(2);
        assertThat(rejects(raw, "'flag'", "byte value 2").offset()).isEqualTo(raw.at("v"));
        rejects(RawGguf.header(3, 0, 1).key("flags", GgufValueType.ARRAY).array(GgufValueType.BOOL, 3).u8(1).u8(0).u8(9),
                "element 2 of array 'flags'", "byte value 9");
    }

    @ParameterizedTest
    @ValueSource(longs = {U64_MAX, Long.MIN_VALUE, 1L << 62, Integer.MAX_VALUE, 5})
    void arrayCountBeyondTheFile(long count) {
        RawGguf raw = RawGguf.header(3, 0, 1).key("tokenizer.ggml.scores", GgufValueType.ARRAY)
                .u32(GgufValueType.FLOAT32.id()).mark("count").u64(count).zeros(16);
        ModelFormatException e = rejects(raw, "array 'tokenizer.ggml.scores'", Long.toUnsignedString(count), "FLOAT32", "remain");
        assertThat(e.offset()).isEqualTo(raw.at("count"));
    }

    @Test
    void stringArrayCountBeyondTheFile() {
        // Each string takes at least its 8-byte length, so 3 strings cannot fit in 20 bytes.
        rejects(RawGguf.header(3, 0, 1).key("tokenizer.ggml.tokens", GgufValueType.ARRAY).array(GgufValueType.STRING, 3).zeros(20),
                "array 'tokenizer.ggml.tokens'", "3 elements of STRING");
        rejects(RawGguf.header(3, 0, 1).key("tokenizer.ggml.tokens", GgufValueType.ARRAY).array(GgufValueType.STRING, 2)
                .str("a").u64(50).zeros(10), "element 1 of array 'tokenizer.ggml.tokens'", "length 50");
    }

    @Test
    void unknownArrayElementType() {
        RawGguf raw = RawGguf.header(3, 0, 1).key("arr", GgufValueType.ARRAY).mark("et").u32(42).u64(0);
        assertThat(rejects(raw, "array 'arr'", "unknown element type id 42").offset()).isEqualTo(raw.at("et"));
    }

    @Test
    void nestedArraysUpToTheBound() {
        RawGguf raw = RawGguf.header(3, 0, 1).key("nest", GgufValueType.ARRAY)
                .array(GgufValueType.ARRAY, 2)
                .array(GgufValueType.ARRAY, 1).array(GgufValueType.INT32, 2).u32(7).u32(-8)
                .array(GgufValueType.STRING, 1).str("x");
        try (GgufFile f = raw.parse()) {
            Object v = f.metadata().value("nest").orElseThrow();
            assertThat(v).isInstanceOf(List.class);
            List<?> outer = (List<?>) v;
            assertThat(outer).hasSize(2);
            assertThat((List<?>) outer.get(0)).singleElement().isEqualTo(new int[]{7, -8});
            assertThat(outer.get(1)).isEqualTo(new String[]{"x"});
            assertThat(f.metadata().elementType("nest")).isEqualTo(GgufValueType.ARRAY);
        }
    }

    @Test
    void nestedArraysTooDeep() {
        RawGguf raw = RawGguf.header(3, 0, 1).key("deep", GgufValueType.ARRAY)
                .array(GgufValueType.ARRAY, 1).array(GgufValueType.ARRAY, 1).mark("third").array(GgufValueType.ARRAY, 1)
                .array(GgufValueType.UINT8, 0);
        ModelFormatException e = rejects(raw, "array 'deep'", "more than 3 levels");
        assertThat(e.offset()).isEqualTo(raw.at("third"));
    }

    @Test
    void tooManyStringsInTheMetadata() {
        // 2^22 + 1 empty strings: 32 MiB of lengths, each a real String object when read.
        int n = GgufParser.MAX_METADATA_OBJECTS + 1;
        RawGguf raw = RawGguf.header(3, 0, 1).key("tokenizer.ggml.tokens", GgufValueType.ARRAY).array(GgufValueType.STRING, n)
                .zeros(8L * n);
        rejects(raw, "more than 4194304 strings and arrays");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 3, 48, 1L << 31})
    void badAlignment(long alignment) {
        RawGguf raw = RawGguf.header(3, 0, 1).mark("kv").kvU32("general.alignment", alignment);
        ModelFormatException e = rejects(raw, "general.alignment is " + alignment, "power of two");
        assertThat(e.offset()).isEqualTo(raw.at("kv"));
    }

    @Test
    void alignmentOfTheWrongType() {
        rejects(RawGguf.header(3, 0, 1).key("general.alignment", GgufValueType.INT32).u32(32), "general.alignment is INT32", "UINT32");
        rejects(RawGguf.header(3, 0, 1).key("general.architecture", GgufValueType.UINT32).u32(1), "general.architecture is UINT32", "STRING");
    }

    @Test
    void alignmentIsHonoured() {
        RawGguf raw = RawGguf.header(3, 1, 1).kvU32("general.alignment", 64).tensor("t", 0, 64, 4).padTo(64).zeros(64 + 16);
        try (GgufFile f = raw.parse()) {
            assertThat(f.alignment()).isEqualTo(64);
            assertThat(f.dataOffset() % 64).isZero();
            assertThat(f.tensors().getFirst().offset()).isEqualTo(f.dataOffset() + 64);
        }
        rejects(RawGguf.header(3, 1, 1).kvU32("general.alignment", 64).tensor("t", 0, 32, 4).padTo(64).zeros(64 + 16),
                "tensor 't'", "offset 32, not a multiple of the alignment 64");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, 100})
    void badDimensionCount(int nDims) {
        RawGguf raw = RawGguf.header(3, 1, 0).str("blk.0.attn_q.weight").mark("dims").u32(nDims).zeros(64);
        ModelFormatException e = rejects(raw, "tensor 'blk.0.attn_q.weight'", nDims + " dimensions", "1 to 4");
        assertThat(e.offset()).isEqualTo(raw.at("dims"));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, U64_MAX, Long.MIN_VALUE})
    void nonPositiveDimension(long dim) {
        RawGguf raw = RawGguf.header(3, 1, 0).str("w").u32(2).u64(32).mark("dim1").u64(dim).u32(0).u64(0).zeros(64);
        ModelFormatException e = rejects(raw, "tensor 'w'", "dimension 1 = " + Long.toUnsignedString(dim));
        assertThat(e.offset()).isEqualTo(raw.at("dim1"));
    }

    @Test
    void elementCountOverflow() {
        rejects(RawGguf.header(3, 1, 0).tensor("w", 0, 0, 1L << 32, 1L << 32, 1L << 32).zeros(64),
                "tensor 'w'", "element count overflows");
    }

    @Test
    void byteSizeOverflow() {
        // 2^61 values fit in a long; 2^61 * 4 bytes of F32 do not.
        rejects(RawGguf.header(3, 1, 0).tensor("w", 0, 0, 1L << 31, 1L << 30).zeros(64), "tensor 'w'", "too large");
    }

    @Test
    void rowNotAWholeNumberOfBlocks() {
        rejects(RawGguf.header(3, 1, 0).tensor("emb", GgmlType.Q8_0.id(), 0, 33, 2).padTo(32).zeros(160),
                "tensor 'emb'", "Q8_0", "[33, 2]", "multiple of the block size 32");
        rejects(RawGguf.header(3, 1, 1).kvString("general.architecture", "bitnet-b1.58")
                        .tensor("w", GgmlType.I2_S.id(), 0, 64, 4).padTo(32).zeros(128),
                "tensor 'w'", "I2_S", "multiple of the block size 128");
    }

    @Test
    void emptyAndDuplicateTensorNames() {
        rejects(RawGguf.header(3, 1, 0).tensor("", 0, 0, 8).padTo(32).zeros(32), "tensor #0 has an empty name");
        RawGguf raw = RawGguf.header(3, 2, 0).tensor("w", 0, 0, 8).mark("second").tensor("w", 0, 32, 8).padTo(32).zeros(64);
        assertThat(rejects(raw, "duplicate tensor name 'w'").offset()).isEqualTo(raw.at("second"));
    }

    @Test
    void tensorNameCutShort() {
        rejects(RawGguf.header(3, 1, 0).u64(40).bytes("blk.0".getBytes()).zeros(28), "name of tensor #0", "length 40");
    }

    @Test
    void unknownTensorType() {
        RawGguf raw = RawGguf.header(3, 1, 0).str("blk.3.ffn_up.weight").u32(1).u64(32).mark("type").u32(99).u64(0).zeros(40);
        UnsupportedModelException e = unsupported(raw, "tensor 'blk.3.ffn_up.weight'", "unknown ggml type id 99",
                "offset " + raw.at("type"));
        assertThat(e.path()).isEqualTo(RawGguf.NAME);
        unsupported(RawGguf.header(3, 1, 0).tensor("w", 0xFFFF_FFFFL, 0, 32).zeros(40), "unknown ggml type id 4294967295");
    }

    @Test
    void knownTypesWeDoNotRead() {
        unsupported(RawGguf.header(3, 1, 0).tensor("token_embd.weight", 11, 0, 256).zeros(200),
                "'token_embd.weight'", "Q3_K (id 11)", "does not read", "I2_S");
        unsupported(RawGguf.header(3, 1, 1).kvString("general.architecture", "bitnet-b1.58").tensor("w", 39, 0, 256).zeros(200),
                "'w'", "TL2 (id 39)", "I2_S, TQ1_0 or TQ2_0");
        unsupported(RawGguf.header(3, 1, 1).kvString("general.architecture", "bitnet").tensor("w", 38, 0, 256).zeros(200), "TL1 (id 38)");
        unsupported(RawGguf.header(3, 1, 1).kvString("general.architecture", "llama").tensor("w", 39, 0, 256).zeros(200), "MXFP4 (id 39)");
        unsupported(RawGguf.header(3, 1, 1).kvString("general.architecture", "llama").tensor("w", 38, 0, 256).zeros(200),
                "unknown ggml type id 38");
    }

    @Test
    void typeId36UnderAnUpstreamArchitecture() {
        // I2_S of 128 x 2 values takes 64 + 32 = 96 bytes, padded to 96.
        RawGguf fits = RawGguf.header(3, 2, 1).kvString("general.architecture", "llama")
                .tensor("w", 36, 0, 128, 2).tensor("n", 0, 96, 8).padTo(32).zeros(96 + 32);
        try (GgufFile f = fits.parse()) {
            assertThat(f.tensor("w").orElseThrow().type()).isEqualTo(GgmlType.I2_S);
        }
        RawGguf larger = RawGguf.header(3, 2, 1).kvString("general.architecture", "llama")
                .mark("info").tensor("w", 36, 0, 128, 2).tensor("n", 0, 256, 8).padTo(32).zeros(256 + 32);
        unsupported(larger, "tensor 'w'", "type id 36", "I2_S", "96 bytes", "stores 256 bytes", "offset " + larger.at("info"));
        // Under a BitNet architecture the fork's table applies and the gap is only padding.
        RawGguf bitnet = RawGguf.header(3, 2, 1).kvString("general.architecture", "bitnet-b1.58")
                .tensor("w", 36, 0, 128, 2).tensor("n", 0, 256, 8).padTo(32).zeros(256 + 32);
        try (GgufFile f = bitnet.parse()) {
            assertThat(f.tensor("w").orElseThrow().byteSize()).isEqualTo(96);
        }
    }

    @Test
    void misalignedOffset() {
        RawGguf raw = RawGguf.header(3, 1, 0).str("w").u32(1).u64(8).u32(0).mark("off").u64(4).padTo(32).zeros(64);
        ModelFormatException e = rejects(raw, "tensor 'w'", "offset 4, not a multiple of the alignment 32");
        assertThat(e.offset()).isEqualTo(raw.at("off"));
    }

    @ParameterizedTest
    @ValueSource(longs = {U64_MAX, Long.MAX_VALUE, 1L << 40})
    void offsetBeyondTheFile(long offset) {
        RawGguf raw = RawGguf.header(3, 1, 0).str("w").u32(1).u64(8).u32(0).mark("off").u64(offset).padTo(32).zeros(64);
        ModelFormatException e = rejects(raw, "tensor 'w'", Long.toUnsignedString(offset), "beyond the end of the file");
        assertThat(e.offset()).isEqualTo(raw.at("off"));
    }

    @Test
    void dataPastTheEndOfTheFile() {
        RawGguf raw = RawGguf.header(3, 1, 0).mark("info").tensor("w", 0, 0, 16).padTo(32).zeros(63);
        ModelFormatException e = rejects(raw, "tensor 'w'", "F32 [16], 64 bytes", "runs past the end of the file");
        assertThat(e.offset()).isEqualTo(raw.at("info"));
    }

    @Test
    void dataSectionPastTheEndOfTheFile() {
        RawGguf raw = RawGguf.header(3, 1, 0).tensor("w", 0, 0, 1);
        rejects(raw, "data section would start at byte", "past the end of the file");
    }

    @Test
    void overlappingTensors() {
        RawGguf raw = RawGguf.header(3, 2, 0).tensor("a", 0, 0, 16).mark("b").tensor("b", 0, 32, 8).padTo(32).zeros(96);
        ModelFormatException e = rejects(raw, "tensors 'a' [", "and 'b' [", "overlap");
        assertThat(e.offset()).isEqualTo(raw.at("b"));
        rejects(RawGguf.header(3, 2, 0).tensor("a", 0, 0, 8).tensor("b", 0, 0, 8).padTo(32).zeros(64), "overlap");
    }

    @Test
    void tensorsMayBeStoredOutOfOrder() {
        RawGguf raw = RawGguf.header(3, 2, 0).tensor("late", 0, 32, 8).tensor("early", 0, 0, 8).padTo(32).zeros(64);
        try (GgufFile f = raw.parse()) {
            assertThat(f.tensors()).extracting(GgufTensor::name).containsExactly("late", "early");
            assertThat(f.tensor("early").orElseThrow().offset()).isEqualTo(f.dataOffset());
        }
    }

    private static RawGguf f32Tensor(long offset, long n) {
        return RawGguf.header(3, 1, 1).kvString("general.architecture", "llama").tensor("t", 0, offset, n)
                .padTo(32).zeros(offset + 4 * n);
    }

    static ModelFormatException rejects(RawGguf raw, String... fragments) {
        Throwable t = catchThrowable(raw::parse);
        assertThat(t).isInstanceOf(ModelFormatException.class);
        assertThat(t.getMessage()).contains(RawGguf.NAME.toString()).contains(fragments);
        ModelFormatException e = (ModelFormatException) t; System.out.println("MSG " + t.getMessage());
        assertThat(e.offset()).isBetween(0L, (long) Math.max(raw.size(), 1));
        return e;
    }

    static UnsupportedModelException unsupported(RawGguf raw, String... fragments) {
        Throwable t = catchThrowable(raw::parse);
        assertThat(t).isInstanceOf(UnsupportedModelException.class); System.out.println("MSG " + t.getMessage());
        assertThat(t.getMessage()).contains(RawGguf.NAME.toString()).contains(fragments);
        return (UnsupportedModelException) t;
    }
}
