#include <spikernn/convert/lif_nir.hpp>
#include <spikernn/io/nir_file.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>

using namespace spikernn;
using spikernn::testing::contains;
using spikernn::testing::scratch_dir;

namespace {

nir::graph nir_file_sample_graph() {
  nir::graph g;
  matrix<double> w(2, 3);
  w << 1, 2, 3, 4, 5, 6.5;
  g.add("input", {"Input", {{"shape", nir::tensor::vec(Eigen::Array<double, 1, 1>(3), nir::dtype::int64)}}, {}, {}});
  g.add("affine", {"Affine",
                   {{"weight", nir::tensor::mat(w, nir::dtype::float64)},
                    {"bias", nir::tensor::vec(Eigen::Vector2d(0.5, -1), nir::dtype::float32)}},
                   {{"note", std::string("Ünïcode ok")}, {"gain", nir::tensor::scalar(2.5)}},
                   {}});
  g.add("output", {"Output", {{"shape", nir::tensor::vec(Eigen::Array<double, 1, 1>(2), nir::dtype::int64)}}, {}, {}});
  g.connect("input", "affine");
  g.connect("affine", "output");
  g.metadata["dt"] = nir::tensor::scalar(1e-4);
  return g;
}

/// Writes a file whose bytes are `text`.
void nir_file_write_bytes(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("nir_file: a graph round-trips with its types, shapes, element types, edges and metadata") {
  scratch_dir dir("nir");
  const auto path = dir.path / "g.nir";
  const nir::graph g = nir_file_sample_graph();
  io::write_nir(path, g);
  const nir::graph r = io::read_nir(path);
  CHECK(r.version == nir::format_version);
  CHECK(r.edges == g.edges);
  REQUIRE(r.nodes.size() == 3);
  const auto& a = r.nodes.at("affine");
  CHECK(a.type == "Affine");
  CHECK(a.params.at("weight").shape == std::vector<std::int64_t>{2, 3});
  CHECK(a.params.at("weight").stored == nir::dtype::float64);
  CHECK(a.params.at("weight").values == g.nodes.at("affine").params.at("weight").values);
  CHECK(a.params.at("bias").stored == nir::dtype::float32);
  CHECK(a.params.at("bias").values == std::vector<double>{0.5, -1});
  CHECK(nir::text_or(a.metadata, "note", "") == "Ünïcode ok");
  CHECK(nir::number_or(a.metadata, "gain", 0) == 2.5);
  CHECK(r.nodes.at("input").params.at("shape").stored == nir::dtype::int64);
  CHECK(nir::number_or(r.metadata, "dt", 0) == 1e-4);
}

TEST_CASE("nir_file: subgraphs are written as NIRGraph nodes and flattened on demand") {
  scratch_dir dir("nir");
  nir::graph outer = nir_file_sample_graph();
  nir::graph inner;
  inner.add("in", outer.nodes.at("input"));
  inner.add("scale", {"Scale", {{"scale", nir::tensor::vec(Eigen::Vector3d(1, 2, 3))}}, {}, {}});
  inner.add("out", outer.nodes.at("input"));
  inner.nodes.at("out").type = "Output";
  inner.connect("in", "scale");
  inner.connect("scale", "out");
  outer.add("block", {"NIRGraph", {}, {{"origin", std::string("test")}}, std::make_shared<nir::graph>(inner)});
  outer.edges = {{"input", "block"}, {"block", "affine"}, {"affine", "output"}};
  io::write_nir(dir.path / "sub.nir", outer);
  const nir::graph r = io::read_nir(dir.path / "sub.nir");
  REQUIRE(r.nodes.at("block").subgraph != nullptr);
  CHECK(r.nodes.at("block").subgraph->nodes.size() == 3);
  CHECK(nir::text_or(r.nodes.at("block").metadata, "origin", "") == "test");
  const nir::graph flat = nir::flatten(r);
  CHECK(flat.nodes.count("block.scale") == 1);
  CHECK(flat.nodes.count("block.in") == 0);
  CHECK(flat.sources_of("block.scale") == std::vector<std::string>{"input"});
  CHECK(flat.targets_of("block.scale") == std::vector<std::string>{"affine"});
}

TEST_CASE("nir_file: a converted network survives the file in float64 exactly") {
  scratch_dir dir("nir");
  lif_network<double> net(matrix<double>::Identity(3, 3) * 0.5, matrix<double>::Ones(3, 1), row_vector<double>::Ones(3),
                          array<double>::Constant(3, 0.04));
  const nir::graph g = to_nir(net, {.precision = nir::dtype::float64});
  io::write_nir(dir.path / "net.nir", g);
  const auto back = lif_from_nir<double>(io::read_nir(dir.path / "net.nir"));
  CHECK(back.w() == net.w());
  CHECK((back.tau_d() == net.tau_d()).all());
  CHECK(back.params().tau_m == net.params().tau_m);
  CHECK(back.params().t_ref == net.params().t_ref);
  CHECK(back.params().noise_mv == net.params().noise_mv);
  CHECK(back.params().steps_per_column == net.params().steps_per_column);
}

TEST_CASE("nir_file: nothing is overwritten and bad files are refused with the file and the reason") {
  scratch_dir dir("nir");
  const auto path = dir.path / "g.nir";
  io::write_nir(path, nir_file_sample_graph());
  CHECK_THROWS_AS(io::write_nir(path, nir_file_sample_graph()), file_error);
  io::write_nir(path, nir_file_sample_graph(), io::on_existing::replace);  // asked to replace: replaced

  nir_file_write_bytes(dir.path / "text.nir", "not hdf5 at all");
  try {
    io::read_nir(dir.path / "text.nir");
    FAIL("accepted a text file");
  } catch (const file_error& e) {
    CHECK(contains(e.what(), "text.nir"));
    CHECK(contains(e.what(), "not an HDF5 file"));
  }
  CHECK_THROWS_AS(io::read_nir(dir.path / "missing.nir"), file_error);

  nir::graph bad = nir_file_sample_graph();
  bad.connect("affine", "ghost");
  io::write_nir(dir.path / "ghost.nir", bad);
  try {
    io::read_nir(dir.path / "ghost.nir");
    FAIL("accepted an edge to no node");
  } catch (const file_error& e) {
    CHECK(contains(e.what(), "ghost"));
  }
  // a truncated file is refused, not crashed on
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nir_file_write_bytes(dir.path / "cut.nir", bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_AS(io::read_nir(dir.path / "cut.nir"), file_error);
  // names that are no HDF5 group names are refused before anything is written
  nir::graph g;
  CHECK(spikernn::testing::refused([&] { g.add("a/b", {"LIF", {}, {}, {}}); }) == "node name");
}
