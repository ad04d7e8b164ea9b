package dev.bitnet.gguf;

import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;
import dev.bitnet.gguf.GgufMetadata.ArrayValue;
import dev.bitnet.gguf.GgufMetadata.Entry;
import org.jetbrains.annotations.Nullable;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Parses and validates the header, metadata and tensor infos of a GGUF file held in a memory
 * segment. Nothing read from the file is trusted: every count, length, offset and shape is checked
 * against the bytes that remain before it is used, so a hostile file ends in a
 * {@link ModelFormatException} (or an {@link UnsupportedModelException} for a type we do not read),
 * never in an out-of-memory error, a negative array size or a loop of absurd length.
 */
final class GgufParser {
    static final int MAGIC = 0x4655_4747; // "GGUF" read as a little-endian u32
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final String ARCHITECTURE_KEY = "general.architecture";
    /** The GGUF spec's limit on key length. */
    static final int MAX_KEY_BYTES = 65_535;
    /** Far above ggml's 63-byte names, low enough that a name is never a large allocation. */
    static final int MAX_NAME_BYTES = 65_535;
    /** Arrays may hold arrays this many levels deep (ggml itself reads no nested arrays at all). */
    static final int MAX_ARRAY_DEPTH = 3;
    /**
     * Strings and nested arrays in all metadata together: ten times the largest tokenizer in use
     * (2B-4T has about 408,000 tokens and merges), and small enough that tiny strings cannot expand a
     * file into gigabytes of Java objects.
     */
    static final int MAX_METADATA_OBJECTS = 1 << 22;
    static final long MAX_TENSORS = 1 << 20;
    static final long MAX_KEYS = 1 << 20;

    private static final int HEADER_BYTES = 24;
    /** Key length, a 1-byte key, value type, a 1-byte value. */
    private static final int MIN_KV_BYTES = 8 + 1 + 4 + 1;
    /** Name length, a 1-byte name, n_dims, one dimension, type, offset. */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8;
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a parse yields; tensors are in file order with absolute offsets. */
    record Result(int version, GgufMetadata metadata, List<GgufTensor> tensors, int alignment, long dataOffset) {
    }

    /** A tensor info as read, before the data section's position is known. */
    private record Info(String name, long[] shape, GgmlType type, long relativeOffset, long byteSize, long at) {
    }

    private final @Nullable Path path;
    private final MemorySegment data;
    private final long size;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
    private byte[] scratch = new byte[256];
    private long pos;
    private int objects;

    private GgufParser(@Nullable Path path, MemorySegment data) {
        this.path = path;
        this.data = data;
        this.size = data.byteSize();
    }

    /**
     * Parses and validates {@code data} as a whole GGUF file.
     *
     * @param path the file's path, used only in error messages (may be null)
     * @throws ModelFormatException      if the file is corrupt, truncated or inconsistent
     * @throws UnsupportedModelException if a tensor has a type bitnet-java does not read
     */
    static Result parse(@Nullable Path path, MemorySegment data) {
        return new GgufParser(path, data).parse();
    }

    private Result parse() {
        if (size < 4) {
            throw error(0, "file of " + size + " bytes is too short to be a GGUF file");
        }
        int magic = data.get(I32, 0);
        if (magic != MAGIC) {
            throw error(0, "not a GGUF file: the first bytes are " + hex(magic) + ", expected 47 47 55 46 (\"GGUF\")");
        }
        pos = 4;
        long version = u32(() -> "the version");
        if (version != 2 && version != 3) {
            String why = version == 1 ? "GGUF version 1 (32-bit counts) is not supported"
                    : Integer.reverseBytes((int) version) == 2 || Integer.reverseBytes((int) version) == 3
                    ? "big-endian GGUF files are not supported"
                    : "unsupported GGUF version " + version;
            throw error(4, why + "; only versions 2 and 3 are read");
        }
        long tensorCount = u64(() -> "the tensor count");
        long kvCount = u64(() -> "the metadata key count");
        checkCount(tensorCount, 8, "tensor count", MIN_TENSOR_INFO_BYTES, MAX_TENSORS);
        checkCount(kvCount, 16, "metadata key count", MIN_KV_BYTES, MAX_KEYS);
        if (tensorCount * MIN_TENSOR_INFO_BYTES + kvCount * MIN_KV_BYTES > size - HEADER_BYTES) {
            throw error(8, tensorCount + " tensors and " + kvCount + " metadata keys cannot fit in a file of " + size + " bytes");
        }

        LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            readEntry(i, entries);
        }
        GgufMetadata metadata = new GgufMetadata(path, entries);
        int alignment = alignment(entries);
        boolean bitnetTable = bitnetTypeTable(entries);

        List<Info> infos = new ArrayList<>((int) Math.min(tensorCount, 4096));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            Info info = readTensorInfo(i, alignment, bitnetTable);
            if (!names.add(info.name())) {
                throw error(info.at(), "duplicate tensor name '" + info.name() + "'");
            }
            infos.add(info);
        }
        long infoEnd = pos;
        long dataOffset = alignUp(infoEnd, alignment);
        List<GgufTensor> tensors = placeTensors(infos, infoEnd, dataOffset, alignment, bitnetTable);
        return new Result((int) version, metadata, List.copyOf(tensors), alignment, dataOffset);
    }

    private void checkCount(long count, long at, String what, int minBytes, long limit) {
        long room = (size - HEADER_BYTES) / minBytes;
        if (count < 0 || count > room) {
            throw error(at, what + " " + Long.toUnsignedString(count) + " is impossible: a file of " + size
                    + " bytes has room for at most " + room);
        }
        if (count > limit) {
            throw error(at, what + " " + count + " exceeds the " + limit + " that bitnet-java reads");
        }
    }

    private void readEntry(long index, LinkedHashMap<String, Entry> entries) {
        long at = pos;
        String key = string(MAX_KEY_BYTES, () -> "the key of metadata entry #" + index);
        if (key.isEmpty()) {
            throw error(at, "metadata entry #" + index + " has an empty key");
        }
        if (entries.containsKey(key)) {
            throw error(at, "duplicate metadata key '" + key + "'");
        }
        long typeAt = pos;
        long typeId = u32(() -> "the value type of metadata key '" + key + "'");
        GgufValueType type = GgufValueType.byId(typeId);
        if (type == null) {
            throw error(typeAt, "metadata key '" + key + "' has unknown value type id " + typeId);
        }
        Object value = type == GgufValueType.ARRAY ? array(key, 1) : scalar(type, () -> "the value of metadata key '" + key + "'");
        entries.put(key, new Entry(type, value, at));
    }

    private Object scalar(GgufValueType type, Supplier<String> what) {
        return switch (type) {
            case UINT8, INT8 -> data.get(ValueLayout.JAVA_BYTE, take(1, what));
            case UINT16, INT16 -> data.get(I16, take(2, what));
            case UINT32, INT32 -> data.get(I32, take(4, what));
            case UINT64, INT64 -> data.get(I64, take(8, what));
            case FLOAT32 -> data.get(F32, take(4, what));
            case FLOAT64 -> data.get(F64, take(8, what));
            case BOOL -> bool(take(1, what), what);
            case STRING -> string(MAX_ARRAY_LENGTH, what);
            case ARRAY -> throw new IllegalArgumentException("arrays are read by array()");
        };
    }

    private boolean bool(long at, Supplier<String> what) {
        byte b = data.get(ValueLayout.JAVA_BYTE, at);
        if (b != 0 && b != 1) {
            throw error(at, what.get() + " is a BOOL with byte value " + b + ", expected 0 or 1");
        }
        return b == 1;
    }

    private ArrayValue array(String key, int depth) {
        long typeAt = pos;
        long typeId = u32(() -> "the element type of array '" + key + "'");
        GgufValueType type = GgufValueType.byId(typeId);
        if (type == null) {
            throw error(typeAt, "array '" + key + "' has unknown element type id " + typeId);
        }
        if (type == GgufValueType.ARRAY && depth >= MAX_ARRAY_DEPTH) {
            throw error(typeAt, "array '" + key + "' nests arrays more than " + MAX_ARRAY_DEPTH + " levels deep");
        }
        long countAt = pos;
        long count = u64(() -> "the element count of array '" + key + "'");
        long remaining = size - pos;
        if (count < 0 || count > MAX_ARRAY_LENGTH || count > remaining / type.minBytes()) {
            throw error(countAt, "array '" + key + "' claims " + Long.toUnsignedString(count) + " elements of " + type
                    + " (at least " + type.minBytes() + " bytes each) but only " + remaining + " bytes remain in the file");
        }
        int n = (int) count;
        // One description per array rather than one per element: large string arrays are the bulk of a file.
        int[] index = new int[1];
        Supplier<String> element = () -> "element " + index[0] + " of array '" + key + "'";
        Object items = switch (type) {
            case UINT8, INT8 -> bulk(new byte[n], ValueLayout.JAVA_BYTE, n);
            case UINT16, INT16 -> bulk(new short[n], I16, n);
            case UINT32, INT32 -> bulk(new int[n], I32, n);
            case UINT64, INT64 -> bulk(new long[n], I64, n);
            case FLOAT32 -> bulk(new float[n], F32, n);
            case FLOAT64 -> bulk(new double[n], F64, n);
            case BOOL -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) {
                    index[0] = i;
                    b[i] = bool(pos + i, element);
                }
                pos += n;
                yield b;
            }
            case STRING -> {
                String[] s = new String[n];
                for (int i = 0; i < n; i++) {
                    index[0] = i;
                    s[i] = string(MAX_ARRAY_LENGTH, element);
                }
                yield s;
            }
            case ARRAY -> {
                ArrayValue[] nested = new ArrayValue[n];
                for (int i = 0; i < n; i++) {
                    countObject(pos, key);
                    nested[i] = array(key, depth + 1);
                }
                yield nested;
            }
        };
        return new ArrayValue(type, items);
    }

    /** Copies {@code n} elements at the cursor into {@code array}; the caller has checked they are there. */
    private Object bulk(Object array, ValueLayout layout, int n) {
        MemorySegment.copy(data, layout, pos, array, 0, n);
        pos += n * layout.byteSize();
        return array;
    }

    private Info readTensorInfo(long index, int alignment, boolean bitnetTable) {
        long at = pos;
        String name = string(MAX_NAME_BYTES, () -> "the name of tensor #" + index);
        if (name.isEmpty()) {
            throw error(at, "tensor #" + index + " has an empty name");
        }
        long dimsAt = pos;
        long nDims = u32(() -> "the dimension count of tensor '" + name + "'");
        if (nDims < 1 || nDims > GgufTensor.MAX_DIMS) {
            throw error(dimsAt, "tensor '" + name + "' has " + nDims + " dimensions; GGUF tensors have 1 to " + GgufTensor.MAX_DIMS);
        }
        long[] shape = new long[(int) nDims];
        for (int d = 0; d < shape.length; d++) {
            long dimAt = pos;
            int dim = d;
            shape[d] = u64(() -> "dimension " + dim + " of tensor '" + name + "'");
            if (shape[d] <= 0) {
                throw error(dimAt, "tensor '" + name + "' has dimension " + d + " = " + Long.toUnsignedString(shape[d])
                        + "; dimensions must be between 1 and 2^63-1");
            }
        }
        try {
            GgmlType.elementCount(shape);
        } catch (IllegalArgumentException e) {
            throw error(dimsAt, "tensor '" + name + "' has shape " + Arrays.toString(shape) + " whose element count overflows a long");
        }
        long typeAt = pos;
        long typeId = u32(() -> "the type of tensor '" + name + "'");
        GgmlType type = GgmlTypeTable.resolve(typeId, bitnetTable, path, name, typeAt);
        long offsetAt = pos;
        long offset = u64(() -> "the data offset of tensor '" + name + "'");
        if (offset < 0 || offset > size) {
            throw error(offsetAt, "tensor '" + name + "' has data offset " + Long.toUnsignedString(offset)
                    + ", beyond the end of the file (" + size + " bytes)");
        }
        if (offset % alignment != 0) {
            throw error(offsetAt, "tensor '" + name + "' has data offset " + offset + ", not a multiple of the alignment " + alignment);
        }
        if (shape[0] % type.blockSize() != 0) {
            throw error(dimsAt, "tensor '" + name + "' of type " + type + " has shape " + Arrays.toString(shape)
                    + ": dimension 0 must be a multiple of the block size " + type.blockSize());
        }
        long byteSize;
        try {
            byteSize = type.byteSize(shape);
        } catch (IllegalArgumentException e) {
            throw error(dimsAt, "tensor '" + name + "' of type " + type + " and shape " + Arrays.toString(shape) + " is too large");
        }
        return new Info(name, shape, type, offset, byteSize, at);
    }

    private List<GgufTensor> placeTensors(List<Info> infos, long infoEnd, long dataOffset, int alignment, boolean bitnetTable) {
        if (infos.isEmpty()) {
            return List.of();
        }
        if (dataOffset > size) {
            throw error(infoEnd, "the data section would start at byte " + dataOffset + " (tensor infos end at " + infoEnd
                    + ", aligned to " + alignment + "), past the end of the file (" + size + " bytes)");
        }
        List<GgufTensor> tensors = new ArrayList<>(infos.size());
        for (Info info : infos) {
            long start = dataOffset + info.relativeOffset();
            if (start > size || info.byteSize() > size - start) {
                throw error(info.at(), "tensor '" + info.name() + "' (" + info.type() + " " + Arrays.toString(info.shape())
                        + ", " + info.byteSize() + " bytes at byte " + start + ") runs past the end of the file (" + size + " bytes)");
            }
            tensors.add(new GgufTensor(info.name(), info.shape(), info.type(), start, info.byteSize()));
        }
        Integer[] order = new Integer[tensors.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(i -> tensors.get(i).offset()));
        for (int k = 0; k < order.length; k++) {
            GgufTensor t = tensors.get(order[k]);
            long end = t.offset() + t.byteSize();
            long extentEnd = k + 1 < order.length ? tensors.get(order[k + 1]).offset() : size;
            if (end > extentEnd) {
                GgufTensor next = tensors.get(order[k + 1]);
                throw error(infos.get(order[k + 1]).at(), "tensors '" + t.name() + "' [" + t.offset() + ", " + end + ") and '"
                        + next.name() + "' [" + next.offset() + ", " + (next.offset() + next.byteSize()) + ") overlap");
            }
            if (t.type() == GgmlType.I2_S && !bitnetTable && extentEnd - t.offset() > alignUp(t.byteSize(), alignment)) {
                throw new UnsupportedModelException(path, "tensor '" + t.name() + "' has ggml type id 36, which bitnet.cpp"
                        + " uses for I2_S (n/4+32 = " + t.byteSize() + " bytes here) but the file stores "
                        + (extentEnd - t.offset()) + " bytes for it, so it is some other type (tensor info at byte offset "
                        + infos.get(order[k]).at() + ")");
            }
        }
        return tensors;
    }

    private int alignment(LinkedHashMap<String, Entry> entries) {
        Entry e = entries.get(ALIGNMENT_KEY);
        if (e == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (e.type() != GgufValueType.UINT32) {
            throw error(e.offset(), ALIGNMENT_KEY + " is " + e.type() + "; it must be UINT32");
        }
        long a = Integer.toUnsignedLong((Integer) e.value());
        if (a == 0 || (a & (a - 1)) != 0 || a > 1 << 30) {
            throw error(e.offset(), ALIGNMENT_KEY + " is " + a + "; it must be a power of two (at most 2^30)");
        }
        return (int) a;
    }

    private boolean bitnetTypeTable(LinkedHashMap<String, Entry> entries) {
        Entry e = entries.get(ARCHITECTURE_KEY);
        if (e == null) {
            return false;
        }
        if (e.type() != GgufValueType.STRING) {
            throw error(e.offset(), ARCHITECTURE_KEY + " is " + e.type() + "; it must be STRING");
        }
        return GgmlTypeTable.BITNET_ARCHITECTURES.contains((String) e.value());
    }

    private String string(int maxBytes, Supplier<String> what) {
        long at = pos;
        if (8 > size - pos) {
            throw truncated(8, "the length of " + what.get());
        }
        long length = data.get(I64, pos);
        pos += 8;
        if (length < 0 || length > maxBytes) {
            throw error(at, what.get() + " has length " + Long.toUnsignedString(length) + ", more than the limit of " + maxBytes + " bytes");
        }
        if (length > size - pos) {
            throw error(at, what.get() + " has length " + length + " but only " + (size - pos) + " bytes remain in the file");
        }
        countObject(at, null);
        int n = (int) length;
        if (scratch.length < n) {
            scratch = new byte[Math.max(n, Math.min(2 * scratch.length, MAX_ARRAY_LENGTH))];
        }
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, pos, scratch, 0, n);
        String s = decode(n, at, what);
        pos += n;
        return s;
    }

    private String decode(int n, long at, Supplier<String> what) {
        for (int i = 0; i < n; i++) {
            if (scratch[i] < 0) {
                try {
                    return utf8.decode(ByteBuffer.wrap(scratch, 0, n)).toString();
                } catch (CharacterCodingException e) {
                    throw new ModelFormatException(path, at, what.get() + " is not valid UTF-8", e);
                }
            }
        }
        // Pure ASCII: Latin-1 decoding gives the same characters without the decoder's buffers.
        return new String(scratch, 0, n, StandardCharsets.ISO_8859_1);
    }

    private void countObject(long at, @Nullable String key) {
        if (++objects > MAX_METADATA_OBJECTS) {
            throw error(at, "more than " + MAX_METADATA_OBJECTS + " strings and arrays in the file"
                    + (key == null ? "" : " (while reading array '" + key + "')"));
        }
    }

    private long u32(Supplier<String> what) {
        return Integer.toUnsignedLong(data.get(I32, take(4, what)));
    }

    private long u64(Supplier<String> what) {
        return data.get(I64, take(8, what));
    }

    /** Advances past {@code n} bytes and returns where they start, or fails if the file ends first. */
    private long take(int n, Supplier<String> what) {
        if (n > size - pos) {
            throw truncated(n, what.get());
        }
        long at = pos;
        pos += n;
        return at;
    }

    private ModelFormatException truncated(int n, String what) {
        return error(pos, "the file ends (at " + size + " bytes) in the middle of " + what + ", which needs " + n + " bytes");
    }

    private ModelFormatException error(long offset, String detail) {
        return new ModelFormatException(path, offset, detail);
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    private static String hex(int littleEndian) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02X", (littleEndian >>> (8 * i)) & 0xFF));
        }
        return sb.toString();
    }
}
