#!/usr/bin/env bash
# Build sslx's libFuzzer targets: bash fuzz/c/build.sh [OUT_DIR]
#
# sslx's C sources are compiled with clang's coverage instrumentation
# (-fsanitize=fuzzer-no-link) plus ASan and UBSan straight into every fuzzer
# executable, which embeds CPython (libpython from FUZZ_PYTHON, default:
# pyenv's newest 3.11).  The executables are OUT_DIR/fuzz_<name>
# (default OUT_DIR: fuzz/c/build).  The source tree is not written to: the
# extension's sources are copied to OUT_DIR/sslx-src, where errcodes.h is
# generated as setup.py does.
#
# FUZZ_SSLX_COVERAGE=0 builds sslx's sources without coverage
# instrumentation (sanitizers kept): only for checking that coverage
# feedback comes from sslx's code (README.md, "Is the feedback real?").
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$(mkdir -p "${1:-$HERE/build}" && cd "${1:-$HERE/build}" && pwd)
CC=${CC:-clang}

if [ -z "${FUZZ_PYTHON:-}" ]; then
    PYENV_ROOT=${PYENV_ROOT:-/root/.pyenv}
    v=$(ls "$PYENV_ROOT/versions" 2>/dev/null | grep -E '^3\.11\.[0-9]+$' | sort -V | tail -1 || true)
    [ -n "$v" ] || { echo "build.sh: no pyenv CPython 3.11; set FUZZ_PYTHON" >&2; exit 1; }
    FUZZ_PYTHON=$PYENV_ROOT/versions/$v/bin/python3
fi
read -r PY_INC PY_LIBDIR PY_LIB PY_HOME < <("$FUZZ_PYTHON" -c '
import sys, sysconfig
v = sysconfig.get_config_var
print(sysconfig.get_paths()["include"], v("LIBDIR"), "python" + v("LDVERSION"), sys.prefix)')
[ -e "$PY_LIBDIR/lib$PY_LIB.so" ] || { echo "build.sh: no lib$PY_LIB.so in $PY_LIBDIR" >&2; exit 1; }

# The extension's sources, a snapshot with its generated header.
rm -rf "$OUT/sslx-src" "$OUT/obj"
mkdir -p "$OUT/sslx-src" "$OUT/obj"
cp "$ROOT"/src/sslx/_sslx/*.[ch] "$OUT/sslx-src/"
OPENSSL_INC=$(pkg-config --cflags-only-I openssl 2>/dev/null | tr ' ' '\n' | sed -n 's/^-I//p')
"$FUZZ_PYTHON" "$ROOT/tools/gen_errcodes.py" "$OUT/sslx-src/errcodes.h" $OPENSSL_INC

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
COMMON="-O1 -g -fno-omit-frame-pointer -std=gnu11 -fno-strict-aliasing -I$PY_INC $(pkg-config --cflags openssl 2>/dev/null || true)"
SSLX_FLAGS="$COMMON $SAN -DOPENSSL_API_COMPAT=0x30000000L -DOPENSSL_NO_DEPRECATED -w"
if [ "${FUZZ_SSLX_COVERAGE:-1}" != 0 ]; then
    SSLX_FLAGS="$SSLX_FLAGS -fsanitize=fuzzer-no-link"
fi
OWN_FLAGS="$COMMON $SAN -Wall -Wextra -Werror -Wno-missing-field-initializers -I$HERE"

echo "build.sh: compiling sslx's extension ($(ls "$OUT"/sslx-src/*.c | wc -l) files) with $CC"
export CC SSLX_FLAGS OUT
ls "$OUT"/sslx-src/*.c | xargs -P "$(nproc)" -I{} sh -c \
    '$CC $SSLX_FLAGS -c "$1" -o "$OUT/obj/$(basename "$1" .c).o"' _ {}
# The harness itself carries no coverage instrumentation: its branches are
# not what the fuzzers should chase.
$CC $OWN_FLAGS -DFZ_PYTHON_HOME="\"$PY_HOME\"" -DFZ_SRC_DIR="\"$ROOT/src\"" \
    -c "$HERE/harness.c" -o "$OUT/harness.o"

LIBS="-L$PY_LIBDIR -l$PY_LIB -Wl,-rpath,$PY_LIBDIR $(pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto) -lm -ldl -lpthread -lutil"
for src in "$HERE"/fuzz_*.c; do
    name=$(basename "$src" .c)
    $CC $OWN_FLAGS -fsanitize=fuzzer-no-link -c "$src" -o "$OUT/obj/$name.target.o"
    $CC -fsanitize=fuzzer,address,undefined -o "$OUT/$name" "$OUT/obj/$name.target.o" \
        "$OUT/harness.o" $(ls "$OUT"/obj/*.o | grep -v '\.target\.o$') $LIBS
    echo "build.sh: $OUT/$name"
done
