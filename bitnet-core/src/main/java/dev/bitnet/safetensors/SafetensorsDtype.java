package dev.bitnet.safetensors;

import java.util.Optional;

/**
 * Element types a safetensors header can name, with their size in bytes. Sub-byte types (such as
 * packed 4-bit floats) are absent on purpose: a file that uses them is reported as unsupported.
 */
public enum SafetensorsDtype {
    BOOL(1),
    U8(1),
    I8(1),
    F8_E4M3(1),
    F8_E5M2(1),
    F8_E8M0(1),
    I16(2),
    U16(2),
    F16(2),
    BF16(2),
    I32(4),
    U32(4),
    F32(4),
    I64(8),
    U64(8),
    F64(8);

    private final int byteSize;

    SafetensorsDtype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes one element takes. */
    public int byteSize() {
        return byteSize;
    }

    /** The type for a header's {@code dtype} string (case-sensitive, as the format defines it). */
    public static Optional<SafetensorsDtype> fromHeader(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
