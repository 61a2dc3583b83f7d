// JsonWriter never writes a document JsonDocument refuses: a number JSON cannot hold is refused
// when it is written, naming its key.

#include <doctest/doctest.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "qd/store/json.h"

TEST_CASE("JsonWriter refuses NaN and infinities, naming the key") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const double bad : {nan, inf, -inf}) {
    qd::JsonWriter j;
    j.begin_object().field("epochs", 3).key("fid");
    CHECK_THROWS_WITH_AS(j.value(bad), doctest::Contains("\"fid\" is "), std::domain_error);
  }
  qd::JsonWriter j;
  j.begin_object().field("loss", 0.5);
  CHECK_THROWS_WITH(j.field("lr", nan), "JSON: \"lr\" is nan, which JSON cannot hold");
}

TEST_CASE("every finite double JsonWriter writes reads back as the same double") {
  const double values[] = {0.0,
                           -0.0,
                           0.1,
                           1e-300,
                           5e-324,
                           std::numeric_limits<double>::max(),
                           -std::numeric_limits<double>::max(),
                           0.05,
                           16.0};
  for (const double d : values) {
    CAPTURE(d);
    qd::JsonWriter j;
    j.begin_object().field("x", d).end_object();
    const qd::JsonDocument doc(j.str(), "x.json");
    CHECK(doc.root().real("x") == d);
  }
}
