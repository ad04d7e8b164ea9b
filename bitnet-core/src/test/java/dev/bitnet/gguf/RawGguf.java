package dev.bitnet.gguf;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds GGUF bytes field by field, valid or not, so tests can hand the parser exactly the
 * structure they mean to; {@link #mark} remembers where a field starts so tests can assert offsets.
 */
final class RawGguf {
    static final Path NAME = Path.of("hostile.gguf");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, Integer> marks = new HashMap<>();

    /** Magic, version and the two counts. */
    static RawGguf header(long version, long tensors, long kvs) {
        return new RawGguf().bytes("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(version).u64(tensors).u64(kvs);
    }

    RawGguf mark(String label) {
        marks.put(label, out.size());
        return this;
    }

    long at(String label) {
        Integer at = marks.get(label);
        if (at == null) {
            throw new IllegalArgumentException("no mark " + label);
        }
        return at;
    }

    RawGguf u8(int v) {
        out.write(v);
        return this;
    }

    RawGguf u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RawGguf u64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RawGguf f32(float v) {
        return u32(Float.floatToRawIntBits(v));
    }

    RawGguf bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** A GGUF string: u64 length, then UTF-8 bytes. */
    RawGguf str(String s) {
        return str(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A GGUF string from raw bytes (which need not be valid UTF-8). */
    RawGguf str(byte[] utf8) {
        return u64(utf8.length).bytes(utf8);
    }

    /** Key and value type id; the value follows. */
    RawGguf key(String key, GgufValueType type) {
        return str(key).u32(type.id());
    }

    RawGguf kvString(String key, String value) {
        return key(key, GgufValueType.STRING).str(value);
    }

    RawGguf kvU32(String key, long value) {
        return key(key, GgufValueType.UINT32).u32(value);
    }

    /** Array header: element type and count; the elements follow. */
    RawGguf array(GgufValueType elementType, long count) {
        return u32(elementType.id()).u64(count);
    }

    /** A tensor info: name, n_dims, dims, type id, offset relative to the data section. */
    RawGguf tensor(String name, long typeId, long offset, long... shape) {
        str(name).u32(shape.length);
        for (long d : shape) {
            u64(d);
        }
        return u32(typeId).u64(offset);
    }

    RawGguf zeros(long n) {
        byte[] zeros = new byte[(int) Math.min(n, 1 << 16)];
        for (long left = n; left > 0; left -= zeros.length) {
            out.write(zeros, 0, (int) Math.min(left, zeros.length));
        }
        return this;
    }

    RawGguf padTo(int alignment) {
        return zeros((alignment - out.size() % alignment) % alignment);
    }

    int size() {
        return out.size();
    }

    byte[] toBytes() {
        return out.toByteArray();
    }

    GgufFile parse() {
        return GgufFile.of(NAME, MemorySegment.ofArray(toBytes()));
    }
}
