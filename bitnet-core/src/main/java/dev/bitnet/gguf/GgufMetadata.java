package dev.bitnet.gguf;

import dev.bitnet.ModelFormatException;
import org.jetbrains.annotations.Nullable;

import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file: immutable, in file order.
 *
 * <p>{@link #value(String)} returns scalars boxed by width ({@code Byte}, {@code Short},
 * {@code Integer}, {@code Long}, {@code Float}, {@code Double}, {@code Boolean}, {@code String}) and
 * arrays as a fresh typed Java array ({@code byte[]}, {@code short[]}, {@code int[]}, {@code long[]},
 * {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]}) or, for arrays of arrays,
 * an unmodifiable {@code List} of those. Unsigned integers keep their bit pattern in the signed Java
 * type of the same width; {@link #type(String)} tells them apart, and the typed getters
 * ({@link #getInt}, {@link #getLong}, ...) convert them by value and refuse values that do not fit.
 *
 * <p>Every getter that finds a missing key or a value of the wrong type throws
 * {@link ModelFormatException} naming the file, the key and the entry's offset. The {@code find}
 * variants return empty for a missing key but still throw for a mistyped one.
 */
public final class GgufMetadata {
    /** A parsed value and where its entry starts in the file (-1 when it was not read from a file). */
    record Entry(GgufValueType type, Object value, long offset) {
    }

    /**
     * An array value: {@code items} is a primitive array, a {@code String[]} or, for element type
     * ARRAY, an {@code ArrayValue[]}. Unsigned elements keep their bit pattern.
     */
    record ArrayValue(GgufValueType elementType, Object items) {
    }

    private final @Nullable Path source;
    private final Map<String, Entry> entries;

    GgufMetadata(@Nullable Path source, Map<String, Entry> entries) {
        this.source = source;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** The keys, in file order. */
    public Set<String> keys() {
        return entries.keySet();
    }

    /** Number of keys. */
    public int size() {
        return entries.size();
    }

    /** True if the metadata has {@code key}. */
    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    /**
     * The value of {@code key} (see the class description for the Java types), or empty if the key is
     * absent. Arrays are copies: changing them does not change this metadata.
     */
    public Optional<Object> value(String key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.of(publicValue(e.value()));
    }

    /** The value type of {@code key}. */
    public GgufValueType type(String key) {
        return require(key).type();
    }

    /** The element type of the array stored under {@code key}. */
    public GgufValueType elementType(String key) {
        return array(key, require(key)).elementType();
    }

    /** The STRING value of {@code key}. */
    public String getString(String key) {
        return findString(key).orElseThrow(() -> missing(key));
    }

    /** The STRING value of {@code key}, or empty if the key is absent. */
    public Optional<String> findString(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (e.type() != GgufValueType.STRING) {
            throw wrongType(key, e, "STRING");
        }
        return Optional.of((String) e.value());
    }

    /** The value of an integer-typed {@code key} (any width or signedness) that fits in an int. */
    public int getInt(String key) {
        return findInt(key).orElseThrow(() -> missing(key));
    }

    /** Like {@link #getInt}, or empty if the key is absent. */
    public OptionalInt findInt(String key) {
        Entry e = entries.get(key);
        return e == null ? OptionalInt.empty() : OptionalInt.of(toInt(key, e, integerValue(key, e)));
    }

    /** The value of an integer-typed {@code key} that fits in a long (a UINT64 above 2^63-1 does not). */
    public long getLong(String key) {
        return findLong(key).orElseThrow(() -> missing(key));
    }

    /** Like {@link #getLong}, or empty if the key is absent. */
    public OptionalLong findLong(String key) {
        Entry e = entries.get(key);
        return e == null ? OptionalLong.empty() : OptionalLong.of(integerValue(key, e));
    }

    /**
     * The value of a FLOAT32 or FLOAT64 {@code key} (a FLOAT64 must be within float range), or of an
     * integer key converted to float.
     */
    public float getFloat(String key) {
        return findFloat(key).orElseThrow(() -> missing(key));
    }

    /** Like {@link #getFloat}, or empty if the key is absent. */
    public Optional<Float> findFloat(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        return Optional.of(switch (e.type()) {
            case FLOAT32 -> (Float) e.value();
            case FLOAT64 -> toFloat(key, e, (Double) e.value());
            default -> {
                if (!e.type().isInteger()) {
                    throw wrongType(key, e, "a number");
                }
                yield (float) integerValue(key, e);
            }
        });
    }

    /** The BOOL value of {@code key}, or empty if the key is absent. */
    public Optional<Boolean> findBool(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (e.type() != GgufValueType.BOOL) {
            throw wrongType(key, e, "BOOL");
        }
        return Optional.of((Boolean) e.value());
    }

    /** A copy of the array of STRING stored under {@code key}. */
    public String[] getStringArray(String key) {
        Entry e = require(key);
        ArrayValue a = array(key, e);
        if (a.elementType() != GgufValueType.STRING) {
            throw wrongType(key, e, "an array of STRING");
        }
        return ((String[]) a.items()).clone();
    }

    /** The array of integers stored under {@code key} (any integer element type), each of which must fit in an int. */
    public int[] getIntArray(String key) {
        Entry e = require(key);
        ArrayValue a = array(key, e);
        GgufValueType t = a.elementType();
        if (!t.isInteger()) {
            throw wrongType(key, e, "an array of integers");
        }
        if (t == GgufValueType.INT32) {
            return ((int[]) a.items()).clone();
        }
        int n = length(a);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            long v = integerElement(key, e, a, i);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw error(key, e, "array '" + key + "' element " + i + " = " + v + " does not fit in an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /**
     * The array of numbers stored under {@code key} as floats: FLOAT32 as is, FLOAT64 narrowed (each
     * within float range), integers converted.
     */
    public float[] getFloatArray(String key) {
        Entry e = require(key);
        ArrayValue a = array(key, e);
        GgufValueType t = a.elementType();
        if (t == GgufValueType.FLOAT32) {
            return ((float[]) a.items()).clone();
        }
        if (t != GgufValueType.FLOAT64 && !t.isInteger()) {
            throw wrongType(key, e, "an array of numbers");
        }
        int n = length(a);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = t == GgufValueType.FLOAT64
                    ? toFloat(key, e, ((double[]) a.items())[i])
                    : (float) integerElement(key, e, a, i);
        }
        return out;
    }

    @Override
    public String toString() {
        return "GgufMetadata" + entries.keySet();
    }

    /** The entries, for the writer to copy with their exact types. */
    Map<String, Entry> entries() {
        return entries;
    }

    private Entry require(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            throw missing(key);
        }
        return e;
    }

    private ArrayValue array(String key, Entry e) {
        if (e.type() != GgufValueType.ARRAY) {
            throw wrongType(key, e, "ARRAY");
        }
        return (ArrayValue) e.value();
    }

    private long integerValue(String key, Entry e) {
        if (!e.type().isInteger()) {
            throw wrongType(key, e, "an integer");
        }
        long raw = ((Number) e.value()).longValue();
        return checkedUnsigned(key, e, e.type(), raw, "value");
    }

    private long integerElement(String key, Entry e, ArrayValue a, int i) {
        long raw = switch (a.items()) {
            case byte[] b -> b[i];
            case short[] s -> s[i];
            case int[] v -> v[i];
            case long[] l -> l[i];
            default -> throw new IllegalStateException("not an integer array: " + a.elementType());
        };
        return checkedUnsigned(key, e, a.elementType(), raw, "element " + i);
    }

    private long checkedUnsigned(String key, Entry e, GgufValueType type, long raw, String what) {
        return switch (type) {
            case UINT8 -> raw & 0xFFL;
            case UINT16 -> raw & 0xFFFFL;
            case UINT32 -> raw & 0xFFFF_FFFFL;
            case UINT64 -> {
                if (raw < 0) {
                    throw error(key, e, "key '" + key + "' " + what + " " + Long.toUnsignedString(raw)
                            + " (UINT64) does not fit in a long");
                }
                yield raw;
            }
            default -> raw;
        };
    }

    private int toInt(String key, Entry e, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw error(key, e, "key '" + key + "' value " + v + " (" + e.type() + ") does not fit in an int");
        }
        return (int) v;
    }

    private float toFloat(String key, Entry e, double v) {
        float f = (float) v;
        if (Float.isInfinite(f) && !Double.isInfinite(v)) {
            throw error(key, e, "key '" + key + "' value " + v + " (FLOAT64) is outside the range of a float");
        }
        return f;
    }

    private static int length(ArrayValue a) {
        return Array.getLength(a.items());
    }

    private ModelFormatException missing(String key) {
        return new ModelFormatException(source, -1, "metadata key '" + key + "' is missing");
    }

    private ModelFormatException wrongType(String key, Entry e, String expected) {
        String actual = e.type() == GgufValueType.ARRAY
                ? "an array of " + ((ArrayValue) e.value()).elementType()
                : e.type().toString();
        return error(key, e, "metadata key '" + key + "' is " + actual + ", expected " + expected);
    }

    private ModelFormatException error(String key, Entry e, String detail) {
        return new ModelFormatException(source, e.offset(), detail);
    }

    private static Object publicValue(Object value) {
        return switch (value) {
            case ArrayValue a when a.elementType() == GgufValueType.ARRAY -> {
                ArrayValue[] nested = (ArrayValue[]) a.items();
                List<Object> list = new ArrayList<>(nested.length);
                for (ArrayValue inner : nested) {
                    list.add(publicValue(inner));
                }
                yield Collections.unmodifiableList(list);
            }
            case ArrayValue a -> copyOf(a.items());
            default -> value;
        };
    }

    private static Object copyOf(Object array) {
        return switch (array) {
            case byte[] a -> a.clone();
            case short[] a -> a.clone();
            case int[] a -> a.clone();
            case long[] a -> a.clone();
            case float[] a -> a.clone();
            case double[] a -> a.clone();
            case boolean[] a -> a.clone();
            case String[] a -> a.clone();
            default -> throw new IllegalStateException("unexpected array " + array.getClass());
        };
    }
}
