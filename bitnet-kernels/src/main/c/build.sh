#!/usr/bin/env bash
# Builds the native kernels into <classes>/native/<os>-<arch>/, one library per instruction set, plus a
# baseline CPU-detection library per architecture. Called by Maven (compile phase):
#   build.sh <source dir> <output classes dir> <project version>
# The host architecture is built with `gcc`; the other architecture only when its cross compiler is
# installed (x86_64 -> aarch64 with aarch64-linux-gnu-gcc). Never -march=native: each build targets a
# fixed ISA level and the Java side loads it only on CPUs that have it.
set -euo pipefail

src="$1"
out="$2/native"
version="$3"

common=(-O3 -std=c11 -fPIC -shared -fvisibility=hidden -ffp-contract=off -fno-fast-math -Wall -Wextra -Werror
        -Wl,-z,noexecstack -Wl,--as-needed)

build() { # compiler, directory, library name, flags...
    local cc="$1" dir="$2" name="$3"
    shift 3
    mkdir -p "$out/$dir"
    "$cc" "${common[@]}" "$@" -o "$out/$dir/libbitnet-$name.so" "$src/bitnet_kernels.c" -lm
}

build_cpu() { # compiler, directory, baseline flags...
    local cc="$1" dir="$2"
    shift 2
    mkdir -p "$out/$dir"
    "$cc" -O2 -std=gnu11 -fPIC -shared -fvisibility=hidden -Wall -Wextra -Werror "$@" \
        -o "$out/$dir/libbitnet-cpu.so" "$src/bitnet_cpu.c"
}

x86() { # compiler
    build_cpu "$1" linux-x86_64 -march=x86-64
    build "$1" linux-x86_64 avx2 -march=x86-64-v3 -mtune=generic
    build "$1" linux-x86_64 avx512 -march=x86-64-v4 -mavx512vnni -mtune=generic
    echo "native: built linux-x86_64 (cpu, avx2, avx512) with $1"
}

arm() { # compiler
    build_cpu "$1" linux-aarch64 -march=armv8-a
    build "$1" linux-aarch64 neon -march=armv8.2-a+dotprod -mtune=generic
    echo "native: built linux-aarch64 (cpu, neon) with $1"
}

if ! command -v gcc >/dev/null 2>&1; then
    echo "native: gcc not found; the native kernel will be unavailable (the Java kernels still work)"
    exit 0
fi
# Up to date when every library is newer than the sources and this script (and the version matches).
if [ -f "$out/VERSION" ] && [ "$(cat "$out/VERSION")" = "$version" ]; then
    newest=$(ls -t "$src"/*.c "$src"/*.h "$0" | head -1)
    stale=$(find "$out" -name '*.so' ! -newer "$newest" | head -1)
    if [ -z "$stale" ] && [ -n "$(find "$out" -name '*.so' | head -1)" ]; then
        echo "native: up to date"
        exit 0
    fi
fi
rm -rf "$out"
mkdir -p "$out"
case "$(gcc -dumpmachine)" in
    x86_64-*)
        x86 gcc
        if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
            arm aarch64-linux-gnu-gcc
        else
            echo "native: aarch64-linux-gnu-gcc not found; skipping the linux-aarch64 build"
        fi
        ;;
    aarch64-*)
        arm gcc
        if command -v x86_64-linux-gnu-gcc >/dev/null 2>&1; then
            x86 x86_64-linux-gnu-gcc
        else
            echo "native: x86_64-linux-gnu-gcc not found; skipping the linux-x86_64 build"
        fi
        ;;
    *)
        echo "native: no native kernels for $(gcc -dumpmachine); the Java kernels still work"
        ;;
esac
echo "$version" > "$out/VERSION"
