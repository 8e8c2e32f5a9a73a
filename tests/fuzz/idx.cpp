// Fuzz target of the IDX reader, plain and gzip-compressed (zlib): read_idx and the image and
// label readers. A clean spikernn::error is a pass; a crash, leak, sanitizer report or timeout
// is a finding.
#include "spikernn/io/idx.hpp"

#include "fuzz_input.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static spikernn::fuzz::input_file file("idx");
  const auto& p = file.write(data, size);
  try {
    const auto a = spikernn::io::read_idx(p);
    if (a.bytes.size() != a.count() * spikernn::io::idx_type_size(a.type)) __builtin_trap();
    if (a.count() > 0) (void)a.value(a.count() - 1);
  } catch (const spikernn::error&) {
  }
  try {
    const auto im = spikernn::io::read_idx_images(p);
    if (im.pixels.size() != im.count * im.rows * im.cols) __builtin_trap();
  } catch (const spikernn::error&) {
  }
  try {
    (void)spikernn::io::read_idx_labels(p);
  } catch (const spikernn::error&) {
  }
  return 0;
}
