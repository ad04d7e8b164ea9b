/*
 * CPU feature detection for bitnet-java, built for the baseline of each architecture (no extension
 * flags) so that it loads on any CPU of that architecture. The Java side reads the bits and loads only
 * a kernel build whose instructions this CPU and operating system support.
 */
#include <stdint.h>

#define BITNET_EXPORT __attribute__((visibility("default")))

/* Feature bits, mirrored in dev.bitnet.kernels.nativ.CpuFeatures. */
#define F_AVX2 (1u << 0)
#define F_FMA (1u << 1)
#define F_F16C (1u << 2)
#define F_BMI1 (1u << 3)
#define F_BMI2 (1u << 4)
#define F_LZCNT (1u << 5)
#define F_MOVBE (1u << 6)
#define F_OS_YMM (1u << 7)
#define F_AVX512F (1u << 8)
#define F_AVX512BW (1u << 9)
#define F_AVX512CD (1u << 10)
#define F_AVX512DQ (1u << 11)
#define F_AVX512VL (1u << 12)
#define F_AVX512VNNI (1u << 13)
#define F_OS_ZMM (1u << 14)
#define F_ASIMD (1u << 16)
#define F_ASIMDDP (1u << 17)

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t) hi << 32) | lo;
}

BITNET_EXPORT uint32_t bitnet_cpu_features(void) {
    uint32_t a, b, c, d;
    uint32_t f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) {
        return 0;
    }
    int osxsave = (c >> 27) & 1;
    if ((c >> 12) & 1) f |= F_FMA;
    if ((c >> 29) & 1) f |= F_F16C;
    if ((c >> 22) & 1) f |= F_MOVBE;
    if (osxsave) {
        uint64_t xcr0 = xgetbv0();
        /* the OS saves SSE and AVX state, and for AVX-512 also the opmask and both upper-ZMM areas */
        if ((xcr0 & 0x6) == 0x6) f |= F_OS_YMM;
        if ((xcr0 & 0xE6) == 0xE6) f |= F_OS_ZMM;
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if ((b >> 3) & 1) f |= F_BMI1;
        if ((b >> 5) & 1) f |= F_AVX2;
        if ((b >> 8) & 1) f |= F_BMI2;
        if ((b >> 16) & 1) f |= F_AVX512F;
        if ((b >> 17) & 1) f |= F_AVX512DQ;
        if ((b >> 28) & 1) f |= F_AVX512CD;
        if ((b >> 30) & 1) f |= F_AVX512BW;
        if ((b >> 31) & 1) f |= F_AVX512VL;
        if ((c >> 11) & 1) f |= F_AVX512VNNI;
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) {
        if ((c >> 5) & 1) f |= F_LZCNT;
    }
    return f;
}

#elif defined(__aarch64__)
#include <sys/auxv.h>

#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif

BITNET_EXPORT uint32_t bitnet_cpu_features(void) {
    unsigned long hw = getauxval(AT_HWCAP);
    uint32_t f = 0;
    if (hw & HWCAP_ASIMD) f |= F_ASIMD;
    if (hw & HWCAP_ASIMDDP) f |= F_ASIMDDP;
    return f;
}

#else
BITNET_EXPORT uint32_t bitnet_cpu_features(void) {
    return 0;
}
#endif
