"""Builds the spikernn package with the project's CMake build (the module target spikernn_python),
so that `pip install --no-build-isolation ./python` works from a checkout without a network:
setuptools and wheel come from the system (Debian: python3-setuptools, python3-wheel), CMake finds
pybind11, the Python headers and matio as for any build. Metadata is in pyproject.toml."""
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # the repository: its CMakeLists.txt builds the module


def version():
    text = (ROOT / "CMakeLists.txt").read_text()
    match = re.search(r"project\(spikernn VERSION ([0-9.]+)", text)
    if not match:
        raise RuntimeError(f"{ROOT / 'CMakeLists.txt'}: no 'project(spikernn VERSION x.y.z' line")
    return match.group(1)


class CMakeExtension(Extension):
    def __init__(self):
        super().__init__("spikernn._spikernn", sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        if not (ROOT / "include" / "spikernn" / "spikernn.hpp").exists():
            raise RuntimeError(f"{ROOT}: not a spikernn checkout (pip must build ./python in place, inside the repository)")
        cmake = shutil.which("cmake")
        if cmake is None:
            raise RuntimeError("cmake not found (Debian: apt-get install cmake)")
        build = Path(self.build_temp).resolve() / "cmake"
        build.mkdir(parents=True, exist_ok=True)
        configure = [cmake, "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                     f"-DPython3_EXECUTABLE={sys.executable}", "-DSPIKERNN_BUILD_PYTHON=ON",
                     "-DSPIKERNN_BUILD_TESTS=OFF", "-DSPIKERNN_BUILD_EXAMPLES=OFF",
                     "-DSPIKERNN_BUILD_BENCHMARKS=OFF", "-DSPIKERNN_WERROR=OFF", "-DSPIKERNN_ENABLE_CUDA=OFF"]
        configure += shlex.split(os.environ.get("SPIKERNN_CMAKE_ARGS", ""))
        subprocess.run(configure, check=True)
        jobs = os.environ.get("SPIKERNN_BUILD_JOBS", "2")
        subprocess.run([cmake, "--build", str(build), "--target", "spikernn_python", "-j", jobs], check=True)
        built = sorted((build / "python" / "spikernn").glob("_spikernn*" + (".pyd" if os.name == "nt" else ".so")))
        if not built:
            raise RuntimeError(f"{build}: the build made no spikernn module (are pybind11, the Python headers and "
                               "matio installed? CMake says which is missing above)")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], target)


setup(version=version(), packages=["spikernn"], package_data={"spikernn": ["*.pyi", "py.typed"]},
      ext_modules=[CMakeExtension()], cmdclass={"build_ext": CMakeBuild})
