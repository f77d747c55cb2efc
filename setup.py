"""Build the sslx._sslx C extension against the system's OpenSSL 3.

Environment switches (used by CI):
  SSLX_WERROR=1    treat compiler warnings as errors
  SSLX_SANITIZE=1  build with AddressSanitizer and UndefinedBehaviorSanitizer
  SSLX_DEBUG=1     no optimisation, full debug info
  SSLX_PREBUILT_EXT=PATH
                   package this already compiled extension instead of
                   compiling (.ci/wheel compiles it in an older Debian root,
                   against the OpenSSL the binary wheel bundles)
"""
import glob
import os
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
EXT_DIR = os.path.join("src", "sslx", "_sslx")


def openssl_flags():
    """Include and library directories from pkg-config when it knows openssl."""
    try:
        out = subprocess.run(["pkg-config", "--cflags-only-I", "--libs-only-L", "openssl"],
                             capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return [], []
    incs = [f[2:] for f in out if f.startswith("-I")]
    libdirs = [f[2:] for f in out if f.startswith("-L")]
    return incs, libdirs


class BuildExt(build_ext):
    def run(self):
        if os.environ.get("SSLX_PREBUILT_EXT"):
            super().run()
            return
        incs, _ = openssl_flags()
        subprocess.check_call([sys.executable, os.path.join(HERE, "tools", "gen_errcodes.py"),
                               os.path.join(HERE, EXT_DIR, "errcodes.h")] + incs)
        super().run()

    def build_extension(self, ext):
        prebuilt = os.environ.get("SSLX_PREBUILT_EXT")
        if not prebuilt:
            super().build_extension(ext)
            return
        if not prebuilt.endswith(self.get_ext_filename("_sslx").rsplit("_sslx", 1)[1]):
            raise SystemExit("SSLX_PREBUILT_EXT=%s is not built for this Python (%s)"
                             % (prebuilt, self.get_ext_filename("_sslx")))
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        self.copy_file(prebuilt, target)


def compile_args():
    args = ["-Wall", "-Wextra", "-Wno-missing-field-initializers", "-std=gnu11",
            "-fno-strict-aliasing"]
    if os.environ.get("SSLX_WERROR") == "1":
        args.append("-Werror")
    if os.environ.get("SSLX_DEBUG") == "1" or os.environ.get("SSLX_SANITIZE") == "1":
        args += ["-O1", "-g", "-fno-omit-frame-pointer"]
    if os.environ.get("SSLX_SANITIZE") == "1":
        args += ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"]
    return args


def link_args():
    if os.environ.get("SSLX_SANITIZE") == "1":
        return ["-fsanitize=address,undefined"]
    return []


incs, libdirs = openssl_flags()
ext = Extension(
    "sslx._sslx",
    sources=sorted(glob.glob(os.path.join(EXT_DIR, "*.c"))),
    depends=sorted(glob.glob(os.path.join(EXT_DIR, "*.h"))),
    include_dirs=[EXT_DIR] + incs,
    library_dirs=libdirs,
    libraries=["ssl", "crypto"],
    extra_compile_args=compile_args(),
    extra_link_args=link_args(),
    define_macros=[("OPENSSL_API_COMPAT", "0x30000000L"), ("OPENSSL_NO_DEPRECATED", None)],
)

setup(ext_modules=[ext], cmdclass={"build_ext": BuildExt})
