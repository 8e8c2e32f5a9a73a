// The command-line contract every program keeps: --help and --version print and exit 0; a usage
// error (an unknown flag, a value of the wrong type, a refused setting) prints
// "<program>: --flag: what was expected" and exits 2; a run that fails (a bad file, a full disk)
// prints "<program>: <what went wrong>" and exits 1; an interrupted training run exits 130.
#pragma once

#include <spikernn/config.hpp>
#include <spikernn/core/error.hpp>
#include <spikernn/train/interrupt.hpp>

#include <CLI/CLI.hpp>

#if !defined(_WIN32)
#include <unistd.h>
#endif

#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace spikernn::programs {

/// "spikernn-train 0.1.0": what --version prints.
inline std::string version_text(const std::string& program) {
  return program + " " + std::to_string(SPIKERNN_VERSION_MAJOR) + "." + std::to_string(SPIKERNN_VERSION_MINOR) + "." +
         std::to_string(SPIKERNN_VERSION_PATCH);
}

/// A seed or a count given on the command line: digits only, so "-1" is refused instead of
/// wrapping around to 2^64 − 1 in an unsigned option.
inline const CLI::Validator non_negative_integer(
    [](std::string& s) {
      return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos ? std::string()
                                                                                 : "a non-negative whole number, got '" + s + "'";
    },
    "");

/// The machine's physical memory in bytes (0 when unknown).
inline double physical_memory_bytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? double(pages) * double(page) : 0.0;
#else
  return 0.0;
#endif
}

/// Refuses a setting whose memory need (an estimate, `bytes`) exceeds this machine's memory,
/// before anything is allocated: "--N: a network of 100000 units needs about 480 GB, more than
/// this machine's 24 GB".
inline void require_memory(double bytes, const std::string& flag, const std::string& what) {
  const double have = physical_memory_bytes();
  if (have > 0 && bytes > have) {
    const auto gb = [](double b) { return std::to_string(static_cast<long long>(b / 1e9 + 0.5)); };
    throw invalid_parameter(flag, what + " needs about " + gb(bytes) + " GB, more than this machine's " + gb(have) + " GB");
  }
}

/// Runs f(), turning a refused setting that comes from a file's contents (a model whose taus give
/// an impossible τ_d) into an error naming the file; refused flags pass through as they are.
template <class F>
decltype(auto) about_file(const CLI::App& app, const std::string& path, F&& f) {
  try {
    return f();
  } catch (const invalid_parameter& e) {
    if (app.get_option_no_throw("--" + e.parameter) != nullptr) throw;
    throw file_error(path, e.what());
  }
}

/// Refuses to write a run's files where an earlier run left its own: the first of `files` that
/// exists is named, and the user is told to choose another --out or to continue that run with
/// --resume (`resume`: this run continues it, so its files are this run's to rewrite).
inline void require_fresh_output(const std::vector<std::filesystem::path>& files, bool resume) {
  if (resume) return;
  for (const auto& f : files) {
    std::error_code ec;
    if (std::filesystem::exists(f, ec))
      throw invalid_parameter("out", "the folder holds the results of an earlier run (" + f.string() +
                                         "); choose another --out, or --resume to continue that run");
  }
}

/// Parses the command line. Returns the exit code when the program is to stop now (0 after
/// --help or --version, 2 after a usage error), nothing when it is to run.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  app.set_version_flag("--version", version_text(app.get_name()));
  // A value given as '' would be read as the default (numbers) or fail late, as an error of the
  // file system (paths): refused as what the flag expects.
  const std::vector<std::string> paths{"--model", "--out", "--output_dir", "--plots", "--raster", "--data", "--resume", "--merge"};
  for (CLI::Option* option : app.get_options()) {
    if (option->get_type_size() == 0 || option->get_name() == "--help" || option->get_name() == "--version") continue;
    bool path = false;
    for (const auto& p : paths) path = path || option->check_name(p);
    const std::string expected = path ? "a file or folder name, got ''" : "a value, got ''";
    option->check(CLI::Validator([expected](std::string& s) { return s.empty() ? expected : std::string(); }, ""));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << app.get_name() << ": " << e.what() << "\n" << app.get_name() << ": run with --help for the flags\n";
    return 2;
  }
  return std::nullopt;
}

/// Runs a program's body under the contract: a refused setting that is one of the program's
/// flags is a usage error (exit 2, "<program>: --flag: …"); one found inside a file, and any other
/// error, is a failed run (exit 1, "<program>: …"); training interrupted by Ctrl-C or kill after
/// its checkpoint exits 130 with `resume_hint`.
template <class Body>
int run_guarded(const CLI::App& app, Body&& body,
                const std::string& resume_hint = "run the same command with --resume to continue") {
  const std::string program = app.get_name();
  try {
    return body();
  } catch (const std::bad_alloc&) {
    std::cerr << program << ": out of memory: the settings need more memory than this machine has\n";
    return 1;
  } catch (const training_interrupted& e) {
    std::cerr << "\n" << program << ": " << e.what() << "\n" << program << ": " << resume_hint << "\n";
    return 130;
  } catch (const invalid_parameter& e) {
    if (app.get_option_no_throw("--" + e.parameter) != nullptr) {
      std::cerr << program << ": --" << e.parameter << ": " << e.expected << "\n";
      return 2;
    }
    std::cerr << program << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace spikernn::programs
