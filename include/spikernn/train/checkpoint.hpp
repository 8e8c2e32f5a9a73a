// A training checkpoint: named arrays (float, double, int64) and string lists in one binary
// file, enough to resume a run to the same bits — the parameters, the optimizer's moments and
// step, the engine's step counter and whatever the hooks keep (curves, evaluation history).
// Random streams need no entry: every draw derives from (seed, purpose, index), and the index
// of a step's trials and noise is the step number.
//
// File layout (little-endian, as every x86-64 and ARM64 host):
//   "SPIKERNN-CHECKPOINT\n" | u32 format version | u64 entry count |
//   per entry: u32 name length, name, u8 kind, u64 rows, u64 cols, payload |
//   u64 FNV-1a hash of every byte before it.
// Files are written atomically (io/atomic_file.hpp); reading checks the hash and every size
// against the file's length before allocating, and names the file and entry in every refusal.
#pragma once

#include "spikernn/core/error.hpp"
#include "spikernn/core/types.hpp"
#include "spikernn/io/atomic_file.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <initializer_list>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace spikernn {

static_assert(std::endian::native == std::endian::little, "checkpoint files are little-endian");

class checkpoint {
 public:
  enum class kind : std::uint8_t { f32 = 0, f64 = 1, i64 = 2, text = 3 };

  /// Stores a dense matrix or vector of float, double or integer entries (column-major).
  template <class D>
  void put(const std::string& name, const Eigen::DenseBase<D>& m) {
    using T = typename D::Scalar;
    const matrix<T> plain = m;
    put_raw(name, kind_of<T>(), plain.rows(), plain.cols(), plain.data(), sizeof(T) * std::size_t(plain.size()));
  }
  void put(const std::string& name, const std::vector<double>& v) {
    put_raw(name, kind::f64, index_t(v.size()), 1, v.data(), sizeof(double) * v.size());
  }
  void put(const std::string& name, const std::vector<std::string>& lines) {
    std::string joined;
    for (const auto& s : lines) {
      require(s.find('\0') == std::string::npos, name, "strings without NUL characters");
      joined += s;
      joined += '\0';
    }
    put_raw(name, kind::text, index_t(lines.size()), 1, joined.data(), joined.size());
  }
  void put(const std::string& name, std::int64_t v) { put_raw(name, kind::i64, 1, 1, &v, sizeof v); }
  void put(const std::string& name, double v) { put_raw(name, kind::f64, 1, 1, &v, sizeof v); }

  bool has(const std::string& name) const { return entries_.count(name) > 0; }

  template <class T>
  matrix<T> get_matrix(const std::string& name) const {
    const entry& e = find(name, kind_of<T>());
    matrix<T> m(e.rows, e.cols);
    if (m.size() > 0) std::memcpy(m.data(), e.bytes.data(), e.bytes.size());
    return m;
  }
  template <class T>
  vector<T> get_vector(const std::string& name) const {
    const matrix<T> m = get_matrix<T>(name);
    if (m.cols() != 1) throw file_error(origin_, "entry '" + name + "': expected a vector, found a matrix");
    return m.col(0);
  }
  std::vector<double> get_doubles(const std::string& name) const {
    const vector<double> v = get_vector<double>(name);
    return {v.data(), v.data() + v.size()};
  }
  std::vector<std::string> get_strings(const std::string& name) const {
    const entry& e = find(name, kind::text);
    std::vector<std::string> out;
    std::string cur;
    for (unsigned char c : e.bytes) {
      if (c == 0) {
        out.push_back(cur);
        cur.clear();
      } else {
        cur += char(c);
      }
    }
    if (!cur.empty() || index_t(out.size()) != e.rows)
      throw file_error(origin_, "entry '" + name + "': " + std::to_string(e.rows) + " strings announced, " +
                                    std::to_string(out.size()) + " stored");
    return out;
  }
  std::int64_t get_int(const std::string& name) const { return scalar<std::int64_t>(name); }
  double get_double(const std::string& name) const { return scalar<double>(name); }

  /// Writes the checkpoint atomically: a reader (or a crash) sees the old file or the new one.
  void save(const std::filesystem::path& path) const {
    std::string out(magic, sizeof magic - 1);
    append(out, std::uint32_t(format_version));
    append(out, std::uint64_t(entries_.size()));
    for (const auto& [name, e] : entries_) {
      append(out, std::uint32_t(name.size()));
      out += name;
      append(out, std::uint8_t(e.type));
      append(out, std::uint64_t(e.rows));
      append(out, std::uint64_t(e.cols));
      if (e.type == kind::text) append(out, std::uint64_t(e.bytes.size()));  // text carries its length
      out.append(reinterpret_cast<const char*>(e.bytes.data()), e.bytes.size());
    }
    append(out, fnv1a(out));
    io::write_text_atomically(path, out);
  }

  /// Reads a checkpoint written by save(); anything else is refused naming the file.
  static checkpoint load(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw file_error(path.string(), "no such checkpoint file");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw file_error(path.string(), "cannot open the checkpoint for reading");
    const std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    checkpoint ck;
    ck.origin_ = path.string();
    const std::size_t header = sizeof magic - 1;
    if (data.size() < header + 4 + 8 + 8 || data.compare(0, header, magic) != 0)
      throw file_error(ck.origin_, "not a spikernn checkpoint (no SPIKERNN-CHECKPOINT header)");
    std::uint64_t stored_hash = 0;
    std::memcpy(&stored_hash, data.data() + data.size() - 8, 8);
    if (stored_hash != fnv1a(std::string_view(data).substr(0, data.size() - 8)))
      throw file_error(ck.origin_, "checksum mismatch: the checkpoint is damaged or was cut short");
    reader r{data, header, data.size() - 8, ck.origin_};
    const auto version = r.get<std::uint32_t>();
    if (version != format_version)
      throw file_error(ck.origin_, "checkpoint format " + std::to_string(version) + ", this build reads " +
                                       std::to_string(format_version));
    const auto count = r.get<std::uint64_t>();
    for (std::uint64_t i = 0; i < count; ++i) {
      const auto len = r.get<std::uint32_t>();
      std::string name = r.bytes(len);
      entry e;
      const auto type = r.get<std::uint8_t>();
      if (type > 3) throw file_error(ck.origin_, "entry '" + name + "': unknown kind " + std::to_string(type));
      e.type = kind(type);
      const auto rows = r.get<std::uint64_t>(), cols = r.get<std::uint64_t>();
      const auto too_big = [&] {
        return file_error(ck.origin_, "entry '" + name + "': " + std::to_string(rows) + " × " + std::to_string(cols) +
                                          " is more than the file holds");
      };
      std::uint64_t size = 0;
      if (e.type == kind::text) {  // rows strings, each ended by a NUL
        size = r.get<std::uint64_t>();
        if (cols != 1 || rows > size || size > r.remaining()) throw too_big();
      } else {
        const std::uint64_t width = e.type == kind::f32 ? 4 : 8, room = r.remaining() / width;
        if (rows != 0 && cols != 0 && (cols > room || rows > room / cols)) throw too_big();
        size = rows * cols * width;
      }
      e.rows = index_t(rows);
      e.cols = index_t(cols);
      const std::string payload = r.bytes(size);
      e.bytes.assign(payload.begin(), payload.end());
      ck.entries_[std::move(name)] = std::move(e);
    }
    if (r.remaining() != 0) throw file_error(ck.origin_, "trailing bytes after the last entry");
    return ck;
  }

  const std::string& origin() const { return origin_; }

 private:
  static constexpr char magic[] = "SPIKERNN-CHECKPOINT\n";
  static constexpr std::uint32_t format_version = 1;

  struct entry {
    kind type = kind::f64;
    index_t rows = 0, cols = 0;
    std::vector<unsigned char> bytes;
  };

  struct reader {
    const std::string& data;
    std::size_t pos, end;
    const std::string& origin;
    std::uint64_t remaining() const { return end - pos; }
    std::string bytes(std::uint64_t n) {
      if (n > remaining()) throw file_error(origin, "cut short: an entry runs past the end of the checkpoint");
      std::string s = data.substr(pos, std::size_t(n));
      pos += std::size_t(n);
      return s;
    }
    template <class T>
    T get() {
      T v{};
      const std::string s = bytes(sizeof(T));
      std::memcpy(&v, s.data(), sizeof(T));
      return v;
    }
  };

  template <class T>
  static constexpr kind kind_of() {
    if constexpr (std::is_same_v<T, float>) return kind::f32;
    else if constexpr (std::is_same_v<T, double>) return kind::f64;
    else {
      static_assert(std::is_same_v<T, std::int64_t>, "checkpoint entries are float, double or int64");
      return kind::i64;
    }
  }
  static std::string_view kind_name(kind k) {
    switch (k) {
      case kind::f32: return "float32";
      case kind::f64: return "float64";
      case kind::i64: return "int64";
      default: return "text";
    }
  }

  void put_raw(const std::string& name, kind k, index_t rows, index_t cols, const void* data, std::size_t bytes) {
    require(!name.empty(), "checkpoint entry", "a name");
    entry e{k, rows, cols, {}};
    const auto* p = static_cast<const unsigned char*>(data);
    e.bytes.insert(e.bytes.end(), p, p + bytes);
    entries_[name] = std::move(e);
  }

  const entry& find(const std::string& name, kind k) const {
    const auto it = entries_.find(name);
    if (it == entries_.end()) throw file_error(origin_, "entry '" + name + "' is missing");
    if (it->second.type != k)
      throw file_error(origin_, "entry '" + name + "': expected " + std::string(kind_name(k)) + ", found " +
                                    std::string(kind_name(it->second.type)));
    return it->second;
  }

  template <class T>
  T scalar(const std::string& name) const {
    const matrix<T> m = get_matrix<T>(name);
    if (m.size() != 1) throw file_error(origin_, "entry '" + name + "': expected one value");
    return m(0, 0);
  }

  template <class T>
  static void append(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
  }
  static std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    return h;
  }

  std::map<std::string, entry> entries_;
  std::string origin_ = "checkpoint";
};

/// A checkpoint's entries under a prefix, so that each hook of a run keeps its own names.
class checkpoint_section {
 public:
  checkpoint_section(checkpoint& ck, std::string prefix) : ck_(&ck), cck_(&ck), prefix_(std::move(prefix)) {}
  checkpoint_section(const checkpoint& ck, std::string prefix) : cck_(&ck), prefix_(std::move(prefix)) {}

  template <class V>
  void put(const std::string& name, const V& v) {
    require(ck_ != nullptr, "checkpoint_section", "a writable checkpoint");
    ck_->put(prefix_ + name, v);
  }
  bool has(const std::string& name) const { return cck_->has(prefix_ + name); }
  /// The entries under a further prefix (an observer inside a hook).
  checkpoint_section section(const std::string& sub) {
    return ck_ ? checkpoint_section(*ck_, prefix_ + sub) : checkpoint_section(*cck_, prefix_ + sub);
  }
  checkpoint_section section(const std::string& sub) const { return checkpoint_section(*cck_, prefix_ + sub); }
  template <class T>
  matrix<T> get_matrix(const std::string& name) const { return cck_->get_matrix<T>(prefix_ + name); }
  template <class T>
  vector<T> get_vector(const std::string& name) const { return cck_->get_vector<T>(prefix_ + name); }
  std::vector<double> get_doubles(const std::string& name) const { return cck_->get_doubles(prefix_ + name); }
  std::vector<std::string> get_strings(const std::string& name) const { return cck_->get_strings(prefix_ + name); }
  std::int64_t get_int(const std::string& name) const { return cck_->get_int(prefix_ + name); }
  double get_double(const std::string& name) const { return cck_->get_double(prefix_ + name); }

  /// Curves a hook records (test accuracy per epoch, losses …), saved and loaded by name.
  void put_curves(std::initializer_list<std::pair<const char*, const std::vector<double>*>> curves) {
    for (const auto& [name, v] : curves) put(name, *v);
  }
  void get_curves(std::initializer_list<std::pair<const char*, std::vector<double>*>> curves) const {
    for (const auto& [name, v] : curves) *v = get_doubles(name);
  }

 private:
  checkpoint* ck_ = nullptr;
  const checkpoint* cck_;
  std::string prefix_;
};

}  // namespace spikernn
