package dev.bitnet.gguf;

import org.jetbrains.annotations.Nullable;

/** The type of a GGUF metadata value, with the id the file stores for it. */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 8),
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    /** The id stored in the file. */
    public int id() {
        return id;
    }

    /** True for the eight integer types (signed and unsigned, 8 to 64 bits); false for BOOL. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** True for UINT8, UINT16, UINT32 and UINT64. */
    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /**
     * The fewest bytes one value of this type takes in a file: the exact size of a fixed-size type, the
     * length prefix of a string, the element type and count of an array. Used to reject counts that
     * cannot fit in what is left of a file before anything is allocated for them.
     */
    int minBytes() {
        return minBytes;
    }

    /** The type with file id {@code id}, or null if there is none. */
    static @Nullable GgufValueType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
