package dev.bitnet.kernels.nativ;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What this CPU (and operating system) can run, as the feature bits of {@code bitnet_cpu.c}: read with
 * cpuid/xgetbv (x86) or the auxiliary vector (aarch64) by the baseline native library, or else parsed
 * from the flags in /proc/cpuinfo.
 *
 * @param bits   feature bits, see the constants
 * @param source where they came from, for logs
 */
public record CpuFeatures(int bits, String source) {
    public static final int AVX2 = 1;
    public static final int FMA = 1 << 1;
    public static final int F16C = 1 << 2;
    public static final int BMI1 = 1 << 3;
    public static final int BMI2 = 1 << 4;
    public static final int LZCNT = 1 << 5;
    public static final int MOVBE = 1 << 6;
    /** The OS saves the YMM state. */
    public static final int OS_YMM = 1 << 7;
    public static final int AVX512F = 1 << 8;
    public static final int AVX512BW = 1 << 9;
    public static final int AVX512CD = 1 << 10;
    public static final int AVX512DQ = 1 << 11;
    public static final int AVX512VL = 1 << 12;
    public static final int AVX512VNNI = 1 << 13;
    /** The OS saves the opmask and ZMM state. */
    public static final int OS_ZMM = 1 << 14;
    public static final int ASIMD = 1 << 16;
    public static final int ASIMDDP = 1 << 17;

    /** Everything x86-64-v3 code (what gcc emits for {@code -march=x86-64-v3}) may use. */
    public static final int X86_64_V3 = AVX2 | FMA | F16C | BMI1 | BMI2 | LZCNT | MOVBE | OS_YMM;
    /** x86-64-v4 plus AVX-512 VNNI. */
    public static final int X86_64_V4_VNNI = X86_64_V3 | AVX512F | AVX512BW | AVX512CD | AVX512DQ | AVX512VL | AVX512VNNI | OS_ZMM;
    /** ARMv8.2 with the dot-product extension. */
    public static final int ARMV82_DOTPROD = ASIMD | ASIMDDP;

    /** Whether every bit of {@code required} is set. */
    public boolean has(int required) {
        return (bits & required) == required;
    }

    /** Parses the flags of /proc/cpuinfo (the fallback when the baseline library cannot be loaded). */
    public static CpuFeatures fromCpuinfo(Path cpuinfo) throws IOException {
        Set<String> flags = new HashSet<>();
        for (String line : Files.readAllLines(cpuinfo)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (key.equals("flags") || key.equals("features")) {
                flags.addAll(List.of(line.substring(colon + 1).trim().split("\\s+")));
                break;
            }
        }
        int bits = 0;
        bits |= flag(flags, "avx2", AVX2) | flag(flags, "fma", FMA) | flag(flags, "f16c", F16C)
                | flag(flags, "bmi1", BMI1) | flag(flags, "bmi2", BMI2) | flag(flags, "abm", LZCNT)
                | flag(flags, "movbe", MOVBE) | flag(flags, "avx512f", AVX512F) | flag(flags, "avx512bw", AVX512BW)
                | flag(flags, "avx512cd", AVX512CD) | flag(flags, "avx512dq", AVX512DQ) | flag(flags, "avx512vl", AVX512VL)
                | flag(flags, "avx512_vnni", AVX512VNNI) | flag(flags, "asimd", ASIMD) | flag(flags, "asimddp", ASIMDDP);
        // Linux lists AVX and AVX-512 only when the kernel enabled their register state
        if (flags.contains("avx") && flags.contains("xsave")) {
            bits |= OS_YMM;
        }
        if ((bits & AVX512F) != 0) {
            bits |= OS_ZMM;
        }
        return new CpuFeatures(bits, cpuinfo.toString());
    }

    private static int flag(Set<String> flags, String name, int bit) {
        return flags.contains(name) ? bit : 0;
    }
}
