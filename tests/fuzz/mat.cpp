// Fuzz target of the MAT reader (mat_reader, both MAT v5 and v7.3: one entry point; the two
// executables differ only in their seed corpus). Everything the reader hands out is touched, and
// whatever it accepted is copied with copy_all_except into a new file and read back, which is
// what spikernn-search does with a model file. A clean spikernn::error is a pass; a crash, leak,
// sanitizer report or timeout is a finding.
#include "spikernn/io/mat_file.hpp"

#include "fuzz_input.hpp"

#include <cstddef>
#include <cstdint>

namespace {

void touch(const spikernn::io::mat_reader& in, const std::string& name) {
  // Each accessor refuses what it cannot give with file_error; all are tried.
  auto attempt = [](auto&& f) {
    try {
      f();
    } catch (const spikernn::error&) {
    }
  };
  attempt([&] { (void)in.class_name(name); });
  attempt([&] { (void)in.dims(name); });
  attempt([&] { (void)in.matrix<double>(name); });
  attempt([&] { (void)in.matrix<float>(name); });
  attempt([&] { (void)in.finite_matrix<std::int32_t>(name); });
  attempt([&] { (void)in.vector<std::uint8_t>(name); });
  attempt([&] { (void)in.scalar(name); });
  attempt([&] { (void)in.integer(name); });
  attempt([&] { (void)in.logical(name); });
  attempt([&] { (void)in.string(name); });
  attempt([&] { (void)in.strings(name); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static spikernn::fuzz::input_file file("mat", ".mat");
  static spikernn::fuzz::input_file copy("mat_copy", ".mat");
  try {
    const spikernn::io::mat_reader in(file.write(data, size));
    for (const auto& name : in.names()) touch(in, name);
    spikernn::io::mat_writer out(copy.path());
    in.copy_all_except(out, {});
    out.commit();
    const spikernn::io::mat_reader back(copy.path());
    if (back.names() != in.names()) __builtin_trap();  // a copy that lost variables
  } catch (const spikernn::error&) {
  }
  return 0;
}
