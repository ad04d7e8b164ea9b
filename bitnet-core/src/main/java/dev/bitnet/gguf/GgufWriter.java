package dev.bitnet.gguf;

import dev.bitnet.gguf.GgufMetadata.ArrayValue;
import dev.bitnet.gguf.GgufMetadata.Entry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a GGUF version 3 file: metadata of every value type, then tensors at offsets aligned to
 * {@code general.alignment} (32 unless {@link #alignment(int)} sets it).
 *
 * <p>Tensor bytes come from an array, a memory segment or a {@link TensorSource} callback that
 * streams them straight into the file at write time, so a model larger than the heap can be written
 * one tensor, or one row, at a time. Metadata keys and tensors keep the order in which they were
 * first added; putting an existing key replaces its value in place.
 *
 * <p>Unsigned types take their values' bit patterns where Java has no unsigned type: the
 * {@code putUInt64} and unsigned array methods store the given bits unchanged. Not thread-safe.
 */
public final class GgufWriter {
    /** The alignment GGUF readers assume when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = GgufParser.DEFAULT_ALIGNMENT;

    private static final Logger LOG = LoggerFactory.getLogger(GgufWriter.class);
    private static final int VERSION = 3;
    private static final int COPY_CHUNK = 1 << 20;

    /**
     * Streams one tensor's bytes into the file. It must write exactly the tensor's byte size
     * ({@link GgmlType#byteSize(long[])}); writing more fails at once, writing less fails after it returns.
     */
    @FunctionalInterface
    public interface TensorSource {
        /**
         * Writes the tensor's bytes to {@code out}, which stays open after the call and must not be kept.
         *
         * @throws IOException if producing or writing the bytes fails
         */
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private record PendingTensor(String name, GgmlType type, long[] shape, long byteSize, TensorSource source) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();
    private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();

    /** Creates an empty writer. */
    public GgufWriter() {
    }

    /**
     * Sets {@code general.alignment} (a UINT32): tensor data then starts at multiples of it.
     *
     * @throws IllegalArgumentException unless {@code alignment} is a power of two up to 2^30
     */
    public GgufWriter alignment(int alignment) {
        return putUInt32(GgufParser.ALIGNMENT_KEY, alignment);
    }

    /** Puts a UINT8; {@code value} must be in [0, 255]. */
    public GgufWriter putUInt8(String key, int value) {
        checkRange(key, value, 0, 0xFF);
        return put(key, GgufValueType.UINT8, (byte) value);
    }

    /** Puts an INT8. */
    public GgufWriter putInt8(String key, byte value) {
        return put(key, GgufValueType.INT8, value);
    }

    /** Puts a UINT16; {@code value} must be in [0, 65535]. */
    public GgufWriter putUInt16(String key, int value) {
        checkRange(key, value, 0, 0xFFFF);
        return put(key, GgufValueType.UINT16, (short) value);
    }

    /** Puts an INT16. */
    public GgufWriter putInt16(String key, short value) {
        return put(key, GgufValueType.INT16, value);
    }

    /** Puts a UINT32; {@code value} must be in [0, 2^32-1]. */
    public GgufWriter putUInt32(String key, long value) {
        checkRange(key, value, 0, 0xFFFF_FFFFL);
        return put(key, GgufValueType.UINT32, (int) value);
    }

    /** Puts an INT32. */
    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    /** Puts a UINT64 given as its 64-bit pattern (negative longs stand for values of 2^63 and above). */
    public GgufWriter putUInt64(String key, long bits) {
        return put(key, GgufValueType.UINT64, bits);
    }

    /** Puts an INT64. */
    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValueType.INT64, value);
    }

    /** Puts a FLOAT32. */
    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    /** Puts a FLOAT64. */
    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValueType.FLOAT64, value);
    }

    /** Puts a BOOL. */
    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    /** Puts a STRING; it must be well-formed Unicode (no unpaired surrogates). */
    public GgufWriter putString(String key, String value) {
        checkString(key, value);
        return put(key, GgufValueType.STRING, value);
    }

    /** Puts an array of UINT8 given as bit patterns. */
    public GgufWriter putUInt8Array(String key, byte[] bits) {
        return putArray(key, GgufValueType.UINT8, bits.clone());
    }

    /** Puts an array of INT8. */
    public GgufWriter putInt8Array(String key, byte[] values) {
        return putArray(key, GgufValueType.INT8, values.clone());
    }

    /** Puts an array of UINT16 given as bit patterns. */
    public GgufWriter putUInt16Array(String key, short[] bits) {
        return putArray(key, GgufValueType.UINT16, bits.clone());
    }

    /** Puts an array of INT16. */
    public GgufWriter putInt16Array(String key, short[] values) {
        return putArray(key, GgufValueType.INT16, values.clone());
    }

    /** Puts an array of UINT32 given as bit patterns. */
    public GgufWriter putUInt32Array(String key, int[] bits) {
        return putArray(key, GgufValueType.UINT32, bits.clone());
    }

    /** Puts an array of INT32. */
    public GgufWriter putInt32Array(String key, int[] values) {
        return putArray(key, GgufValueType.INT32, values.clone());
    }

    /** Puts an array of UINT64 given as bit patterns. */
    public GgufWriter putUInt64Array(String key, long[] bits) {
        return putArray(key, GgufValueType.UINT64, bits.clone());
    }

    /** Puts an array of INT64. */
    public GgufWriter putInt64Array(String key, long[] values) {
        return putArray(key, GgufValueType.INT64, values.clone());
    }

    /** Puts an array of FLOAT32. */
    public GgufWriter putFloat32Array(String key, float[] values) {
        return putArray(key, GgufValueType.FLOAT32, values.clone());
    }

    /** Puts an array of FLOAT64. */
    public GgufWriter putFloat64Array(String key, double[] values) {
        return putArray(key, GgufValueType.FLOAT64, values.clone());
    }

    /** Puts an array of BOOL. */
    public GgufWriter putBoolArray(String key, boolean[] values) {
        return putArray(key, GgufValueType.BOOL, values.clone());
    }

    /** Puts an array of STRING; each must be non-null, well-formed Unicode. */
    public GgufWriter putStringArray(String key, String... values) {
        String[] copy = values.clone();
        for (int i = 0; i < copy.length; i++) {
            Objects.requireNonNull(copy[i], () -> "array " + key + " has a null string");
            checkString(key, copy[i]);
        }
        return putArray(key, GgufValueType.STRING, copy);
    }

    /**
     * Copies every key of {@code metadata} with its exact type (arrays of arrays included),
     * replacing keys this writer already has.
     */
    public GgufWriter putAll(GgufMetadata metadata) {
        for (Map.Entry<String, Entry> e : metadata.entries().entrySet()) {
            put(e.getKey(), e.getValue().type(), e.getValue().value());
        }
        return this;
    }

    /** Removes {@code key} if present. */
    public GgufWriter remove(String key) {
        entries.remove(key);
        return this;
    }

    /**
     * Adds a tensor whose bytes are {@code data} (copied now).
     *
     * @param shape dimensions in GGUF order, {@code shape[0]} fastest
     * @throws IllegalArgumentException if the name is empty or taken, the shape is invalid for the
     *                                  type, or {@code data} is not exactly {@code type.byteSize(shape)} bytes
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, byte[] data) {
        return addTensor(name, type, shape, MemorySegment.ofArray(data.clone()));
    }

    /**
     * Adds a tensor whose bytes are {@code data}, read when the file is written: the segment must
     * stay alive and unchanged until then.
     *
     * @param shape dimensions in GGUF order, {@code shape[0]} fastest
     * @throws IllegalArgumentException if the name is empty or taken, the shape is invalid for the
     *                                  type, or {@code data} is not exactly {@code type.byteSize(shape)} bytes
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        long expected = type.byteSize(shape);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + type + " " + Arrays.toString(shape)
                    + " takes " + expected + " bytes, got " + data.byteSize());
        }
        return addTensor(name, type, shape, out -> copy(data, out));
    }

    /**
     * Adds a tensor whose bytes {@code source} streams into the file when it is written.
     *
     * @param shape dimensions in GGUF order, {@code shape[0]} fastest
     * @throws IllegalArgumentException if the name is empty, too long or taken, or the shape is invalid for the type
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        Objects.requireNonNull(source, "source");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("tensor name is empty");
        }
        if (utf8Length(name, "tensor name") > GgufParser.MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name longer than " + GgufParser.MAX_NAME_BYTES + " bytes: " + name);
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("duplicate tensor " + name);
        }
        long[] dims = shape.clone();
        long byteSize;
        try {
            byteSize = type.byteSize(dims);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor " + name + ": " + e.getMessage(), e);
        }
        tensors.put(name, new PendingTensor(name, type, dims, byteSize, source));
        return this;
    }

    /**
     * Writes the file: first to {@code path + ".tmp"}, then moved over {@code path}, so a failed write
     * leaves no partial file behind.
     *
     * @throws UncheckedIOException  if writing fails (including an {@link IOException} from a tensor source)
     * @throws IllegalStateException if a tensor source writes more or fewer bytes than its tensor's size
     */
    public void write(Path path) {
        Path fileName = Objects.requireNonNull(path.getFileName(), "path has no file name");
        Path tmp = path.resolveSibling(fileName + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeTo(channel);
            }
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write GGUF file " + path, e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
        LOG.debug("Wrote {}: {} metadata keys, {} tensors", path, entries.size(), tensors.size());
    }

    private void writeTo(FileChannel channel) throws IOException {
        int alignment = alignmentValue();
        HeaderOutput out = new HeaderOutput(channel);
        out.u32(GgufParser.MAGIC);
        out.u32(VERSION);
        out.u64(tensors.size());
        out.u64(entries.size());
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            out.string(e.getKey());
            out.u32(e.getValue().type().id());
            writeValue(out, e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        for (PendingTensor t : tensors.values()) {
            out.string(t.name());
            out.u32(t.shape().length);
            for (long d : t.shape()) {
                out.u64(d);
            }
            out.u32(t.type().id());
            out.u64(offset);
            offset += alignUp(t.byteSize(), alignment);
        }
        out.zeros(alignUp(out.headerBytes(), alignment) - out.headerBytes());
        out.flush();
        for (PendingTensor t : tensors.values()) {
            BoundedChannel sink = new BoundedChannel(channel, t);
            t.source().writeTo(sink);
            sink.close();
            if (sink.remaining > 0) {
                throw new IllegalStateException("tensor " + t.name() + ": its source wrote " + (t.byteSize() - sink.remaining)
                        + " of " + t.byteSize() + " bytes");
            }
            out.zeros(alignUp(t.byteSize(), alignment) - t.byteSize());
            out.flush();
        }
    }

    private void writeValue(HeaderOutput out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.u8((Byte) value);
            case UINT16, INT16 -> out.u16((Short) value);
            case UINT32, INT32 -> out.u32((Integer) value);
            case UINT64, INT64 -> out.u64((Long) value);
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) value));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) value));
            case BOOL -> out.u8((byte) ((Boolean) value ? 1 : 0));
            case STRING -> out.string((String) value);
            case ARRAY -> writeArray(out, (ArrayValue) value);
        }
    }

    private void writeArray(HeaderOutput out, ArrayValue array) throws IOException {
        out.u32(array.elementType().id());
        switch (array.items()) {
            case byte[] a -> {
                out.u64(a.length);
                out.bytes(ByteBuffer.wrap(a));
            }
            case short[] a -> {
                out.u64(a.length);
                for (short v : a) {
                    out.u16(v);
                }
            }
            case int[] a -> {
                out.u64(a.length);
                for (int v : a) {
                    out.u32(v);
                }
            }
            case long[] a -> {
                out.u64(a.length);
                for (long v : a) {
                    out.u64(v);
                }
            }
            case float[] a -> {
                out.u64(a.length);
                for (float v : a) {
                    out.u32(Float.floatToRawIntBits(v));
                }
            }
            case double[] a -> {
                out.u64(a.length);
                for (double v : a) {
                    out.u64(Double.doubleToRawLongBits(v));
                }
            }
            case boolean[] a -> {
                out.u64(a.length);
                for (boolean v : a) {
                    out.u8((byte) (v ? 1 : 0));
                }
            }
            case String[] a -> {
                out.u64(a.length);
                for (String v : a) {
                    out.string(v);
                }
            }
            case ArrayValue[] a -> {
                out.u64(a.length);
                for (ArrayValue v : a) {
                    writeArray(out, v);
                }
            }
            default -> throw new IllegalStateException("unexpected array " + array.items().getClass());
        }
    }

    private GgufWriter putArray(String key, GgufValueType elementType, Object items) {
        return put(key, GgufValueType.ARRAY, new ArrayValue(elementType, items));
    }

    private GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("metadata key is empty");
        }
        if (utf8Length(key, "key") > GgufParser.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("metadata key longer than " + GgufParser.MAX_KEY_BYTES + " bytes: " + key);
        }
        if (key.equals(GgufParser.ALIGNMENT_KEY)) {
            long a = type == GgufValueType.UINT32 ? Integer.toUnsignedLong((Integer) value) : -1;
            if (a <= 0 || (a & (a - 1)) != 0 || a > 1 << 30) {
                throw new IllegalArgumentException(key + " must be a UINT32 power of two up to 2^30, got " + type + " " + value);
            }
        }
        entries.put(key, new Entry(type, value, -1));
        return this;
    }

    private int alignmentValue() {
        Entry e = entries.get(GgufParser.ALIGNMENT_KEY);
        return e == null ? DEFAULT_ALIGNMENT : (Integer) e.value();
    }

    private void checkString(String key, String value) {
        utf8Length(value, "value of " + key);
    }

    private int utf8Length(String s, String what) {
        try {
            return utf8.encode(CharBuffer.wrap(s)).remaining();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " is not well-formed Unicode (unpaired surrogate?): " + s, e);
        }
    }

    private static void checkRange(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("value of " + key + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    private static void copy(MemorySegment data, WritableByteChannel out) throws IOException {
        byte[] chunk = new byte[(int) Math.min(COPY_CHUNK, Math.max(1, data.byteSize()))];
        for (long p = 0; p < data.byteSize(); p += chunk.length) {
            int n = (int) Math.min(chunk.length, data.byteSize() - p);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, p, chunk, 0, n);
            ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, n);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        }
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("Could not delete the partial file {}", path, e);
        }
    }

    /**
     * Buffers the little-endian header and the zero padding in front of a file channel. Tensor bytes
     * bypass it, so {@link #headerBytes()} is only meaningful before the first tensor.
     */
    private static final class HeaderOutput {
        private static final byte[] ZEROS = new byte[4096];

        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();
        private long flushed;

        HeaderOutput(FileChannel channel) {
            this.channel = channel;
        }

        long headerBytes() {
            return flushed + buffer.position();
        }

        void u8(byte v) throws IOException {
            room(1).put(v);
        }

        void u16(short v) throws IOException {
            room(2).putShort(v);
        }

        void u32(int v) throws IOException {
            room(4).putInt(v);
        }

        void u64(long v) throws IOException {
            room(8).putLong(v);
        }

        void bytes(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                int n = Math.min(b.remaining(), buffer.capacity());
                room(n).put(b.slice(b.position(), n));
                b.position(b.position() + n);
            }
        }

        void zeros(long n) throws IOException {
            for (long left = n; left > 0; ) {
                int k = (int) Math.min(left, ZEROS.length);
                room(k).put(ZEROS, 0, k);
                left -= k;
            }
        }

        void string(String s) throws IOException {
            ByteBuffer encoded = utf8.encode(CharBuffer.wrap(s));
            u64(encoded.remaining());
            bytes(encoded);
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                flushed += channel.write(buffer);
            }
            buffer.clear();
        }

        private ByteBuffer room(int n) throws IOException {
            if (buffer.remaining() < n) {
                flush();
            }
            return buffer;
        }
    }

    /** Passes a tensor source's bytes to the file and refuses any beyond the tensor's size. */
    private static final class BoundedChannel implements WritableByteChannel {
        private final FileChannel target;
        private final PendingTensor tensor;
        private long remaining;
        private boolean open = true;

        BoundedChannel(FileChannel target, PendingTensor tensor) {
            this.target = target;
            this.tensor = tensor;
            this.remaining = tensor.byteSize();
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (!open) {
                throw new ClosedChannelException();
            }
            int n = src.remaining();
            if (n > remaining) {
                throw new IllegalStateException("tensor " + tensor.name() + ": its source wrote more than its "
                        + tensor.byteSize() + " bytes");
            }
            while (src.hasRemaining()) {
                target.write(src);
            }
            remaining -= n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
