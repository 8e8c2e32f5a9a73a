#include <spikernn/core/types.hpp>

#include <doctest/doctest.h>

TEST_CASE("types: aliases are column-major dynamic Eigen types") {
  spikernn::matrix<float> m(2, 3);
  spikernn::vector<double> v(4);
  spikernn::row_vector<float> r(5);
  CHECK(m.rows() == 2);
  CHECK(v.cols() == 1);
  CHECK(r.rows() == 1);
  CHECK_FALSE(spikernn::matrix<float>::IsRowMajor);
  static_assert(spikernn::real_scalar<float> && spikernn::real_scalar<double> && !spikernn::real_scalar<int>);
}
