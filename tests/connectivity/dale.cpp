#include <spikernn/connectivity/dale.hpp>
#include <spikernn/connectivity/init.hpp>

#include <doctest/doctest.h>

using namespace spikernn;

TEST_CASE("dale: W_eff = (relu(w) · m) ⊙ som_m / the original's formula") {
  const auto t = draw_unit_types<double>({.n = 30, .p_inh = 0.3, .som_n = 2}, true, seed{1});
  matrix<double> w = matrix<double>::Random(30, 30);  // some negative entries, as after training
  matrix<double> out;
  dale::effective(w, t.sign, t.som_mask, out);
  const matrix<double> expected =
      ((w.array().max(0.0)).matrix() * t.sign_matrix()).cwiseProduct(t.som_mask);
  CHECK((out - expected).cwiseAbs().maxCoeff() < 1e-15);
  // every column carries its presynaptic unit's sign
  for (index_t j = 0; j < 30; ++j)
    for (index_t i = 0; i < 30; ++i) CHECK(out(i, j) * t.sign[j] >= 0.0);
  matrix<double> exported;
  dale::exported(w, exported);
  CHECK(exported.minCoeff() >= 0.0);
}

TEST_CASE("dale: the gradient flows only through positive entries of w") {
  const auto t = draw_unit_types<double>({.n = 8, .p_inh = 0.5}, true, seed{2});
  matrix<double> w = matrix<double>::Random(8, 8);
  w(0, 0) = 0.0;  // an unconnected entry
  const matrix<double> d_eff = matrix<double>::Ones(8, 8);
  matrix<double> d_w;
  dale::gradient(w, t.sign, t.som_mask, d_eff, d_w);
  for (index_t i = 0; i < 8; ++i)
    for (index_t j = 0; j < 8; ++j) CHECK(d_w(i, j) == (w(i, j) > 0 ? t.sign[j] : 0.0));
}

TEST_CASE("no_dale: W_eff = w ⊙ som_m and every entry gets its gradient") {
  const auto t = draw_unit_types<double>({.n = 6}, false, seed{3});
  const matrix<double> w = matrix<double>::Random(6, 6);
  matrix<double> out, d_w;
  no_dale::effective(w, t.sign, t.som_mask, out);
  CHECK(out == w);
  const matrix<double> twos = matrix<double>::Constant(6, 6, 2.0);
  no_dale::gradient(w, t.sign, t.som_mask, twos, d_w);
  CHECK((d_w.array() == 2.0).all());
  static_assert(connectivity<dale> && connectivity<no_dale>);
}
