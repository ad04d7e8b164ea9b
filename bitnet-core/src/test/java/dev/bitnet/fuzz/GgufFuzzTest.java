package dev.bitnet.fuzz;

import dev.bitnet.gguf.GgmlType;
import dev.bitnet.gguf.GgufFile;
import dev.bitnet.gguf.GgufTensor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GGUF parse + load + a short generation on mutated fixture files. The mutations know the format:
 * they rewrite metadata values, types and length prefixes, tensor infos (rank, dims, type, offset),
 * special floats into norm weights, scales and embeddings, header bytes, and cut the file short.
 */
class GgufFuzzTest {
    static final String TARGET = "gguf";
    static final List<String> BASES = List.of("tiny-a/gguf/tiny-a-i2_s.gguf", "tiny-a/gguf/tiny-a-tq2_0.gguf",
            "tiny-a/gguf/tiny-a-tq1_0.gguf");

    /** Where things are in one base file. */
    record Layout(byte[] bytes, long dataOffset, List<long[]> keys, List<long[]> tensorInfos, List<GgufTensor> tensors) {
    }

    private static final Map<String, Layout> LAYOUTS = new ConcurrentHashMap<>();

    static Layout layout(String base) {
        return LAYOUTS.computeIfAbsent(base, b -> {
            Path p = Targets.FIXTURES.resolve(b);
            byte[] bytes = Targets.read(p);
            try (GgufFile f = GgufFile.open(p)) {
                String header = new String(bytes, 0, (int) f.dataOffset(), StandardCharsets.ISO_8859_1);
                List<long[]> keys = new ArrayList<>();
                for (String key : f.metadata().keys()) {
                    int at = header.indexOf(key);
                    if (at >= 8) {
                        keys.add(new long[]{at - 8, at + key.length()});
                    }
                }
                List<long[]> infos = new ArrayList<>();
                int from = 0;
                for (GgufTensor t : f.tensors()) {
                    int at = header.indexOf(t.name(), from);
                    if (at >= 8) {
                        infos.add(new long[]{at - 8, at + t.name().length(), t.rank()});
                        from = at;
                    }
                }
                return new Layout(bytes, f.dataOffset(), keys, infos, f.tensors());
            }
        });
    }

    private static String keyName(Layout l, long[] k) {
        return new String(l.bytes(), (int) k[0] + 8, (int) (k[1] - k[0] - 8), StandardCharsets.UTF_8);
    }

    static Arbitrary<Edit> edits(String base) {
        Layout l = layout(base);
        Arbitrary<Edit> metaValue = Combinators.combine(Arbitraries.of(l.keys()), Arbitraries.oneOf(Values.u32(), Values.u64(), Values.f32()))
                .as((k, v) -> Edit.set(k[1] + 4, v));
        Arbitrary<Edit> metaType = Combinators.combine(Arbitraries.of(l.keys()), Arbitraries.longs().between(0, 16).map(v -> Values.le(v, 4)))
                .as((k, v) -> Edit.set(k[1], v));
        Arbitrary<Edit> keyLength = Combinators.combine(Arbitraries.of(l.keys()), Values.u64()).as((k, v) -> Edit.set(k[0], v));
        Arbitrary<Edit> tensorInfo = Combinators.combine(Arbitraries.of(l.tensorInfos()), Arbitraries.integers().between(0, 6),
                Values.u64()).as((t, field, v) -> {
                    long end = t[1];
                    long rank = t[2];
                    return switch (field) {
                        case 0 -> Edit.set(end, java.util.Arrays.copyOf(v, 4));                   // rank
                        case 1, 2 -> Edit.set(end + 4 + 8L * (field - 1), v);                    // a dim
                        case 3 -> Edit.set(end + 4 + 8 * rank, java.util.Arrays.copyOf(v, 4));   // type
                        case 4 -> Edit.set(end + 8 + 8 * rank, v);                               // data offset
                        default -> Edit.set(t[0], v);                                            // name length
                    };
                });
        Arbitrary<Edit> tensorData = Arbitraries.of(l.tensors()).flatMap(t -> tensorValue(t));
        Arbitrary<Edit> headerBytes = Combinators.combine(Arbitraries.longs().between(0, l.dataOffset() - 1), Values.randomBytes(8))
                .as(Edit::set);
        Arbitrary<Edit> insertDelete = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.longs().between(0, l.dataOffset()), Values.randomBytes(16)).as(Edit::insert),
                Combinators.combine(Arbitraries.longs().between(0, l.dataOffset()), Arbitraries.longs().between(1, 64)).as(Edit::delete));
        Arbitrary<Edit> truncate = Arbitraries.longs().between(0, l.bytes().length - 1).map(Edit::truncate);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, metaValue), net.jqwik.api.Tuple.of(2, metaType), net.jqwik.api.Tuple.of(1, keyLength),
                net.jqwik.api.Tuple.of(3, tensorInfo), net.jqwik.api.Tuple.of(4, tensorData), net.jqwik.api.Tuple.of(2, headerBytes),
                net.jqwik.api.Tuple.of(1, insertDelete), net.jqwik.api.Tuple.of(1, truncate));
    }

    /** A special value written into a tensor where its format keeps floats: elements, block scales, the I2_S scale. */
    private static Arbitrary<Edit> tensorValue(GgufTensor t) {
        long elements = t.elementCount();
        GgmlType type = t.type();
        return switch (type) {
            case F32 -> Combinators.combine(Arbitraries.longs().between(0, elements - 1), Values.f32())
                    .as((i, v) -> Edit.set(t.offset() + 4 * i, v));
            case F16, BF16 -> Combinators.combine(Arbitraries.longs().between(0, elements - 1), Values.f16())
                    .as((i, v) -> Edit.set(t.offset() + 2 * i, v));
            case I2_S -> Values.f32().map(v -> Edit.set(t.offset() + elements / 4, v));
            case TQ2_0, TQ1_0 -> {
                long blocks = Math.max(1, elements / 256);
                long blockBytes = Math.max(1, t.byteSize() / blocks);
                yield Combinators.combine(Arbitraries.longs().between(0, blocks - 1), Values.f16())
                        .as((b, v) -> Edit.set(t.offset() + b * blockBytes + blockBytes - 2, v));
            }
            default -> Combinators.combine(Arbitraries.longs().between(0, Math.max(0, t.byteSize() - 1)), Values.randomBytes(4))
                    .as((i, v) -> Edit.set(t.offset() + i, v));
        };
    }

    @Provide
    Arbitrary<String> cases() {
        return Arbitraries.of(BASES).flatMap(base -> edits(base).list().ofMinSize(1).ofMaxSize(4)
                .map(list -> Edit.describe(base, list)));
    }

    @Property(shrinking = net.jqwik.api.ShrinkingMode.OFF)
    void mutatedGgufLoadsOrFailsAsDocumented(@ForAll("cases") String descriptor) {
        if (FuzzHarness.hasBudget(TARGET)) {
            run(descriptor);
        }
    }

    /** Runs one case (also used for the saved corpus). */
    static void run(String descriptor) {
        String[] lines = descriptor.strip().lines().filter(l -> !l.startsWith("#")).toArray(String[]::new);
        String base = lines[0].substring("base ".length()).strip();
        List<Edit> edits = new ArrayList<>();
        Layout layout = layout(base);
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] p = line.split("\\s+");
            if (p[0].equals("key")) {
                // key NAME HEX: overwrite the value of metadata key NAME
                long[] k = layout.keys().stream().filter(x -> keyName(layout, x).equals(p[1])).findFirst().orElseThrow();
                edits.add(Edit.set(k[1] + 4, java.util.HexFormat.of().parseHex(p[2])));
            } else if (p[0].equals("tensor")) {
                // tensor NAME OFFSET HEX: overwrite bytes of tensor NAME's data
                GgufTensor t = layout.tensors().stream().filter(x -> x.name().equals(p[1])).findFirst().orElseThrow();
                edits.add(Edit.set(t.offset() + Long.parseLong(p[2]), java.util.HexFormat.of().parseHex(p[3])));
            } else {
                edits.add(Edit.parse(line));
            }
        }
        byte[] bytes = Edit.applyAll(layout(base).bytes(), edits);
        FuzzHarness.check(TARGET, descriptor, Targets.MODEL_ERRORS, () -> {
            Path file = Targets.scratch().resolve("fuzz.gguf");
            try {
                Files.write(file, bytes);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            Targets.loadAndGenerate(file);
        });
    }
}
