#include <spikernn/train/gradient_clip.hpp>

#include "../support.hpp"

#include <doctest/doctest.h>

using namespace spikernn;

TEST_CASE("clip_grad_norm: scales the trainable blocks together as torch clip_grad_norm_, frozen ones untouched") {
  const param_layout layout{{"a", 0, 2, true}, {"frozen", 2, 1, false}, {"b", 3, 1, true}};
  vector<double> g(4);
  g << 3, 0, 100, 4;  // trainable norm 5; the frozen entry does not count
  vector<double> small = g;
  CHECK(clip_grad_norm(small, layout, 10.0) == doctest::Approx(5.0));
  CHECK(small == g);  // below the limit: nothing changes
  CHECK(clip_grad_norm(g, layout, 2.0) == doctest::Approx(5.0));
  const double scale = 2.0 / (5.0 + 1e-6);
  CHECK(g[0] == doctest::Approx(3 * scale));
  CHECK(g[3] == doctest::Approx(4 * scale));
  CHECK(g[2] == 100.0);
  CHECK(std::hypot(g[0], g[3]) == doctest::Approx(2.0).epsilon(1e-6));
  vector<float> f(4);
  f << 3, 0, 1, 4;
  CHECK(clip_grad_norm(f, layout, 1.0) == doctest::Approx(5.0));
  CHECK(std::hypot(double(f[0]), double(f[3])) == doctest::Approx(1.0).epsilon(1e-5));
  using spikernn::testing::refused;
  CHECK(refused([&] { clip_grad_norm(g, layout, 0.0); }) == "max_norm");
  vector<double> short_grad(2);
  CHECK(refused([&] { clip_grad_norm(short_grad, layout, 1.0); }) == "grad");
}
