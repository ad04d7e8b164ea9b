package dev.bitnet.gguf;

import dev.bitnet.UnsupportedModelException;
import org.jetbrains.annotations.Nullable;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Maps a tensor's ggml type id to a {@link GgmlType}. Upstream llama.cpp and bitnet.cpp's fork agree
 * on ids 0-35 and diverge above: the fork has 36 I2_S, 37 I8_S, 38 TL1, 39 TL2, while upstream left
 * 36-38 unused and gave 39 to MXFP4. The file's architecture picks the table; 36 is read as I2_S
 * under either, because upstream never writes it (the caller checks such a tensor's stored extent).
 */
final class GgmlTypeTable {
    /** Architectures written by bitnet.cpp's converters, whose files use the fork's type ids. */
    static final Set<String> BITNET_ARCHITECTURES = Set.of("bitnet-b1.58", "bitnet-25", "bitnet");

    /** Names of ids 0-35, shared by both tables; null where no type was ever assigned or it was withdrawn. */
    private static final String[] SHARED_NAMES = {
            "F32", "F16", "Q4_0", "Q4_1", null, null, "Q5_0", "Q5_1", "Q8_0", "Q8_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
            "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
            "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0"};

    private static final String SUPPORTED = Arrays.stream(GgmlType.values()).map(Enum::name)
            .collect(Collectors.joining(", "));

    private GgmlTypeTable() {
    }

    /**
     * The type with ggml id {@code id} in the table of {@code bitnetTable} (the fork's) or upstream's.
     *
     * @throws UnsupportedModelException naming the tensor, the id and, when known, the type's name if
     *                                   bitnet-java does not read that type
     */
    static GgmlType resolve(long id, boolean bitnetTable, @Nullable Path path, String tensor, long offset) {
        for (GgmlType t : GgmlType.values()) {
            if (t.id() == id) {
                return t;
            }
        }
        String name = name(id, bitnetTable);
        String where = " (tensor info at byte offset " + offset + ")";
        if (name == null) {
            throw new UnsupportedModelException(path, "tensor '" + tensor + "' has unknown ggml type id " + id + where);
        }
        String hint = switch (name) {
            case "TL1", "TL2" -> "; bitnet.cpp's lookup-table layouts are tied to the kernels of one build,"
                    + " use an I2_S, TQ1_0 or TQ2_0 file of the model instead";
            default -> "";
        };
        throw new UnsupportedModelException(path, "tensor '" + tensor + "' has ggml type " + name + " (id " + id
                + "), which bitnet-java does not read" + where + "; supported types: " + SUPPORTED + hint);
    }

    private static @Nullable String name(long id, boolean bitnetTable) {
        if (id >= 0 && id < SHARED_NAMES.length) {
            return SHARED_NAMES[(int) id];
        }
        if (bitnetTable) {
            return switch ((int) id) {
                case 37 -> "I8_S";
                case 38 -> "TL1";
                case 39 -> "TL2";
                default -> null;
            };
        }
        return id == 39 ? "MXFP4" : null;
    }
}
