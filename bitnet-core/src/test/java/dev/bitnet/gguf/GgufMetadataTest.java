package dev.bitnet.gguf;

import dev.bitnet.ModelFormatException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The typed getters: conversions between GGUF types and Java types, and the errors for missing or mistyped keys. */
class GgufMetadataTest {
    private static GgufMetadata m;
    private static RawGguf raw;

    @BeforeAll
    static void build() {
        raw = RawGguf.header(3, 0, 17)
                .key("u8", GgufValueType.UINT8).u8(200)
                .key("i8", GgufValueType.INT8).u8(0xFE)
                .kvU32("u32.small", 4096)
                .mark("u32.big").kvU32("u32.big", 0xFFFF_FFF0L)
                .key("i64.small", GgufValueType.INT64).u64(-7)
                .mark("u64.max").key("u64.max", GgufValueType.UINT64).u64(-1)
                .key("f32", GgufValueType.FLOAT32).f32(0.25f)
                .key("f64", GgufValueType.FLOAT64).u64(Double.doubleToLongBits(1e-6))
                .mark("f64.huge").key("f64.huge", GgufValueType.FLOAT64).u64(Double.doubleToLongBits(1e300))
                .key("flag", GgufValueType.BOOL).u8(1)
                .mark("name").kvString("name", "tiny")
                .key("tokens", GgufValueType.ARRAY).array(GgufValueType.STRING, 2).str("a").str("b")
                .key("bytes", GgufValueType.ARRAY).array(GgufValueType.UINT8, 2).u8(255).u8(1)
                .mark("u32s").key("u32s", GgufValueType.ARRAY).array(GgufValueType.UINT32, 2).u32(1).u32(0x8000_0000L)
                .key("i64s", GgufValueType.ARRAY).array(GgufValueType.INT64, 2).u64(-3).u64(4)
                .key("f64s", GgufValueType.ARRAY).array(GgufValueType.FLOAT64, 1).u64(Double.doubleToLongBits(0.5))
                .key("scores", GgufValueType.ARRAY).array(GgufValueType.FLOAT32, 2).f32(-1f).f32(2f);
        m = GgufFile.of(RawGguf.NAME, MemorySegment.ofArray(raw.toBytes())).metadata();
    }

    @Test
    void keysInFileOrder() {
        assertThat(m.keys()).hasSize(17).startsWith("u8", "i8", "u32.small").endsWith("scores");
        assertThat(m.size()).isEqualTo(17);
        assertThat(m.contains("flag")).isTrue();
        assertThat(m.contains("nope")).isFalse();
        assertThatThrownBy(() -> m.keys().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void integersConvertByValue() {
        assertThat(m.getInt("u8")).isEqualTo(200);
        assertThat(m.value("u8")).contains((byte) 200);
        assertThat(m.getInt("i8")).isEqualTo(-2);
        assertThat(m.getInt("u32.small")).isEqualTo(4096);
        assertThat(m.getLong("u32.big")).isEqualTo(0xFFFF_FFF0L);
        assertThat(m.getInt("i64.small")).isEqualTo(-7);
        assertThat(m.findInt("missing")).isEmpty();
        assertThat(m.findLong("u8")).hasValue(200);
    }

    @Test
    void integersThatDoNotFit() {
        assertThatThrownBy(() -> m.getInt("u32.big")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'u32.big'").hasMessageContaining("4294967280").hasMessageContaining("does not fit in an int")
                .satisfies(e -> assertThat(((ModelFormatException) e).offset()).isEqualTo(raw.at("u32.big")));
        assertThatThrownBy(() -> m.getLong("u64.max")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'u64.max'").hasMessageContaining("18446744073709551615");
    }

    @Test
    void floats() {
        assertThat(m.getFloat("f32")).isEqualTo(0.25f);
        assertThat(m.getFloat("f64")).isEqualTo(1e-6f);
        assertThat(m.getFloat("u32.small")).isEqualTo(4096f);
        assertThat(m.findFloat("missing")).isEmpty();
        assertThatThrownBy(() -> m.getFloat("f64.huge")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'f64.huge'").hasMessageContaining("outside the range of a float");
        assertThatThrownBy(() -> m.getFloat("name")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'name' is STRING, expected a number");
    }

    @Test
    void stringsAndBools() {
        assertThat(m.getString("name")).isEqualTo("tiny");
        assertThat(m.findString("missing")).isEmpty();
        assertThat(m.findBool("flag")).contains(true);
        assertThat(m.findBool("missing")).isEmpty();
        assertThatThrownBy(() -> m.findBool("u8")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'u8' is UINT8, expected BOOL");
    }

    @Test
    void wrongTypeNamesTheKeyTypeAndOffset() {
        assertThatThrownBy(() -> m.getString("u32.small")).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(RawGguf.NAME + ": ")
                .hasMessageContaining("metadata key 'u32.small' is UINT32, expected STRING");
        assertThatThrownBy(() -> m.getInt("name")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'name' is STRING, expected an integer")
                .satisfies(e -> assertThat(((ModelFormatException) e).offset()).isEqualTo(raw.at("name")));
        assertThatThrownBy(() -> m.getInt("tokens")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'tokens' is an array of STRING, expected an integer");
    }

    @Test
    void missingKeysHaveNoOffset() {
        assertThatThrownBy(() -> m.getString("general.architecture")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("metadata key 'general.architecture' is missing")
                .satisfies(e -> assertThat(((ModelFormatException) e).offset()).isEqualTo(-1));
        assertThatThrownBy(() -> m.getInt("x")).hasMessageContaining("'x' is missing");
        assertThatThrownBy(() -> m.getLong("x")).hasMessageContaining("'x' is missing");
        assertThatThrownBy(() -> m.getFloat("x")).hasMessageContaining("'x' is missing");
        assertThatThrownBy(() -> m.type("x")).hasMessageContaining("'x' is missing");
        assertThatThrownBy(() -> m.getStringArray("x")).hasMessageContaining("'x' is missing");
        assertThat(m.value("x")).isEmpty();
    }

    @Test
    void arrays() {
        assertThat(m.getStringArray("tokens")).containsExactly("a", "b");
        assertThat(m.getIntArray("bytes")).containsExactly(255, 1);
        assertThat(m.getIntArray("i64s")).containsExactly(-3, 4);
        assertThat(m.getFloatArray("scores")).containsExactly(-1f, 2f);
        assertThat(m.getFloatArray("f64s")).containsExactly(0.5f);
        assertThat(m.getFloatArray("bytes")).containsExactly(255f, 1f);
        assertThat(m.elementType("u32s")).isEqualTo(GgufValueType.UINT32);
        assertThatThrownBy(() -> m.getIntArray("u32s")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'u32s' element 1 = 2147483648 does not fit in an int")
                .satisfies(e -> assertThat(((ModelFormatException) e).offset()).isEqualTo(raw.at("u32s")));
        assertThatThrownBy(() -> m.getStringArray("scores")).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'scores' is an array of FLOAT32, expected an array of STRING");
        assertThatThrownBy(() -> m.getIntArray("tokens")).hasMessageContaining("expected an array of integers");
        assertThatThrownBy(() -> m.getFloatArray("tokens")).hasMessageContaining("expected an array of numbers");
        assertThatThrownBy(() -> m.elementType("name")).hasMessageContaining("'name' is STRING, expected ARRAY");
    }

    @Test
    void arraysAreCopies() {
        String[] tokens = m.getStringArray("tokens");
        tokens[0] = "changed";
        ((byte[]) m.value("bytes").orElseThrow())[0] = 0;
        ((float[]) m.value("scores").orElseThrow())[0] = 9f;
        m.getFloatArray("scores")[1] = 9f;
        assertThat(m.getStringArray("tokens")).containsExactly("a", "b");
        assertThat(m.value("bytes").orElseThrow()).isEqualTo(new byte[]{(byte) 255, 1});
        assertThat(m.getFloatArray("scores")).containsExactly(-1f, 2f);
    }
}
