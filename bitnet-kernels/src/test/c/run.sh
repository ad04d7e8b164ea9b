#!/usr/bin/env bash
# Compiles src/test/c/kernel_test.c against each native build and runs it: the x86-64 builds natively
# where this CPU has their instructions, the aarch64 NEON build under qemu-user when the cross compiler
# and qemu are installed (`apt-get install gcc-aarch64-linux-gnu qemu-user`; .ci/run does). Builds that
# cannot run here are skipped with a message. Called by Maven (test phase):
#   run.sh <main C source dir> <test C source dir> <work dir>
set -euo pipefail

src="$1"
test_src="$2"
work="$3"
mkdir -p "$work"
flags=(-O2 -std=c11 -ffp-contract=off -Wall -Wextra -Werror -I "$src")

has_flag() {
    grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null | tr ' ' '\n' | grep -qx "$1"
}

run_x86() { # compiler, isa, cpu flag that must be present, target flags...
    local cc="$1" isa="$2" need="$3"
    shift 3
    "$cc" "${flags[@]}" "$@" -o "$work/kernel_test-$isa" "$test_src/kernel_test.c" "$src/bitnet_kernels.c" -lm
    if has_flag "$need"; then
        "$work/kernel_test-$isa"
    else
        echo "native test: skipping the $isa build (this CPU lacks $need)"
    fi
}

if ! command -v gcc >/dev/null 2>&1; then
    echo "native test: gcc not found; skipping the C kernel tests"
    exit 0
fi
case "$(gcc -dumpmachine)" in
    x86_64-*)
        run_x86 gcc avx2 avx2 -march=x86-64-v3
        run_x86 gcc avx512 avx512_vnni -march=x86-64-v4 -mavx512vnni
        if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 && command -v qemu-aarch64 >/dev/null 2>&1; then
            aarch64-linux-gnu-gcc "${flags[@]}" -march=armv8.2-a+dotprod -o "$work/kernel_test-neon" \
                "$test_src/kernel_test.c" "$src/bitnet_kernels.c" -lm
            qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu "$work/kernel_test-neon"
        else
            echo "native test: skipping the aarch64 NEON build test (needs aarch64-linux-gnu-gcc and qemu-aarch64)"
        fi
        ;;
    aarch64-*)
        gcc "${flags[@]}" -march=armv8.2-a+dotprod -o "$work/kernel_test-neon" "$test_src/kernel_test.c" "$src/bitnet_kernels.c" -lm
        if has_flag asimddp; then
            "$work/kernel_test-neon"
        else
            echo "native test: skipping the neon build (this CPU lacks asimddp)"
        fi
        ;;
    *)
        echo "native test: no native kernels for $(gcc -dumpmachine)"
        ;;
esac
