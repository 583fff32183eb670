#include "chip_address.hpp"

#include <fmt/format.h>

namespace phext {

namespace {
// Parse one unsigned decimal field of a shape/position; rejects empty, signs, overflow.
unsigned parse_uint(std::string_view part, std::string_view raw, std::string_view what) {
  const std::string text = printable(raw);
  unsigned v = 0;
  if (part.empty()) throw ParseError(fmt::format("invalid {} '{}': empty dimension", what, text));
  for (char ch : part) {
    if (ch < '0' || ch > '9')
      throw ParseError(fmt::format("invalid {} '{}': '{}' is not a decimal number", what, text, printable(part)));
    if (v > 100000) throw ParseError(fmt::format("invalid {} '{}': '{}' is too large", what, text, printable(part)));
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  return v;
}

Vec3 parse_triple(std::string_view text, char sep, std::string_view what, std::string_view form) {
  const std::string shown = printable(text);
  Vec3 v;
  std::size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t end = text.find(sep, start);
    if (i == 2) {
      if (end != std::string_view::npos)
        throw ParseError(fmt::format("invalid {} '{}': more than 3 dimensions (expected {})", what, shown, form));
      end = text.size();
    } else if (end == std::string_view::npos) {
      throw ParseError(
          fmt::format("invalid {} '{}': {} dimension{} (expected {})", what, shown, i + 1, i == 0 ? "" : "s", form));
    }
    v[i] = parse_uint(text.substr(start, end - start), text, what);
    start = end + 1;
  }
  return v;
}
} // namespace

Vec3 parse_shape(std::string_view text, std::string_view what) {
  Vec3 v = parse_triple(text, 'x', what, "AxBxC");
  for (int i = 0; i < 3; ++i)
    if (v[i] == 0) throw ParseError(fmt::format("invalid {} '{}': dimensions must be >= 1", what, printable(text)));
  return v;
}

SliceShape parse_slice_shape(std::string_view text, std::string_view what) {
  const auto colon = text.find(':');
  SliceShape s{parse_shape(text.substr(0, colon), what)};
  if (colon != std::string_view::npos) {
    const std::string_view kind = text.substr(colon + 1);
    if (kind == "twisted" || kind == "t") s.twisted = true;
    else if (kind != "regular" && kind != "r")
      throw ParseError(fmt::format("invalid {} '{}': the kind after ':' must be 'twisted' or 'regular'", what, printable(text)));
  }
  return s;
}

Vec3 parse_position(std::string_view text) { return parse_triple(text, ',', "position", "x,y,z"); }

std::string shape_str(const Vec3& v) { return fmt::format("{}x{}x{}", v.x, v.y, v.z); }
std::string position_str(const Vec3& v) { return fmt::format("{},{},{}", v.x, v.y, v.z); }

std::string_view status_name(DecodeStatus s) {
  switch (s) {
  case DecodeStatus::Ok: return "ok";
  case DecodeStatus::ZMismatch: return "z-mismatch";
  case DecodeStatus::OutOfShape: return "out-of-shape";
  }
  return "?";
}

SliceGeometry::SliceGeometry(Vec3 slice, Vec3 cube, ZArm z) : slice_(slice), cube_(cube), z_(z) {
  const char* axis = "xyz";
  for (int i = 0; i < 3; ++i) {
    if (cube[i] < 1 || cube[i] > kMaxCubeDim)
      throw AddressError(fmt::format("cube {} dimension {} must be 1..{}", axis[i], cube[i], kMaxCubeDim));
    if (slice[i] < 1 || slice[i] > kMaxSliceDim)
      throw AddressError(fmt::format("slice {} dimension {} must be 1..{}", axis[i], slice[i], kMaxSliceDim));
  }
  const bool fits = slice.x <= cube.x && slice.y <= cube.y && slice.z <= cube.z;
  const bool whole = slice.x % cube.x == 0 && slice.y % cube.y == 0 && slice.z % cube.z == 0;
  if (!fits && !whole)
    throw AddressError(fmt::format("slice {} is neither inside one {} cube nor a whole number of cubes in every "
                                   "dimension",
                                   shape_str(slice), shape_str(cube)));
  for (int i = 0; i < 3; ++i) {
    cubes_[i] = fits ? 1 : slice[i] / cube[i];
    per_cube_[i] = fits ? slice[i] : cube[i];
    if (cubes_[i] > kFieldMax)
      throw AddressError(fmt::format("slice {} needs {} cubes along {}, more than a phext field holds (999)",
                                     shape_str(slice), cubes_[i], axis[i]));
  }
  for (unsigned v : {z.datacenter, z.pod, z.slice})
    if (v < kFieldMin || v > kFieldMax) throw AddressError(fmt::format("Z arm field {} must be 1..999", v));
}

bool SliceGeometry::is_torus() const {
  for (int i = 0; i < 3; ++i)
    if (slice_[i] % cube_[i] != 0) return false;
  return true;
}

Vec3 SliceGeometry::global_of_chip(unsigned chip) const {
  if (chip >= chip_count())
    throw AddressError(fmt::format("chip {} is out of range: the {} slice has chips 0..{}", chip, shape_str(slice_),
                                   chip_count() - 1));
  const unsigned per = per_cube_.volume();
  unsigned cube = chip / per, local = chip % per;
  Vec3 g;
  for (int i = 0; i < 3; ++i) {
    const unsigned c = cube % cubes_[i], l = local % per_cube_[i];
    cube /= cubes_[i];
    local /= per_cube_[i];
    g[i] = c * cube_[i] + l;
  }
  return g;
}

void SliceGeometry::check_global(Vec3 g) const {
  if (g.x >= slice_.x || g.y >= slice_.y || g.z >= slice_.z)
    throw AddressError(fmt::format("position {} is outside the {} slice", position_str(g), shape_str(slice_)));
}

unsigned SliceGeometry::chip_of_global(Vec3 g) const {
  check_global(g);
  unsigned cube = 0, local = 0;
  for (int i = 2; i >= 0; --i) {
    cube = cube * cubes_[i] + g[i] / cube_[i];
    local = local * per_cube_[i] + g[i] % cube_[i];
  }
  return cube * per_cube_.volume() + local;
}

Coordinate SliceGeometry::phext_of_global(Vec3 g) const {
  check_global(g);
  return Coordinate(z_.datacenter, z_.pod, z_.slice, g.x / cube_.x + 1, g.y / cube_.y + 1, g.z / cube_.z + 1,
                    g.x % cube_.x + 1, g.y % cube_.y + 1, g.z % cube_.z + 1);
}

Coordinate SliceGeometry::phext_of_chip(unsigned chip) const { return phext_of_global(global_of_chip(chip)); }

Decoded SliceGeometry::decode(const std::array<unsigned, kDims>& f) const {
  Decoded d;
  if (f[0] != z_.datacenter || f[1] != z_.pod || f[2] != z_.slice) {
    d.status = DecodeStatus::ZMismatch;
    return d;
  }
  for (int i = 0; i < 3; ++i) {
    const unsigned cube_field = f[3 + i], chip_field = f[6 + i];
    if (cube_field == 0 || chip_field == 0 || chip_field > cube_[i]) return Decoded{}; // OutOfShape, global 0
    const unsigned g = (cube_field - 1) * cube_[i] + (chip_field - 1);
    if (g >= slice_[i]) return Decoded{};
    d.global[i] = g;
  }
  d.status = DecodeStatus::Ok;
  return d;
}

Decoded SliceGeometry::decode(const Coordinate& c) const {
  std::array<unsigned, kDims> f{};
  for (std::size_t i = 0; i < kDims; ++i)
    f[i] = c.at(i);
  return decode(f);
}

unsigned SliceGeometry::chip_of_phext(const Coordinate& c) const {
  const Decoded d = decode(c);
  if (d.status == DecodeStatus::ZMismatch)
    throw AddressError(
        fmt::format("{} is not in slice {}.{}.{} (Z arm differs)", c.str(), z_.datacenter, z_.pod, z_.slice));
  if (d.status == DecodeStatus::OutOfShape)
    throw AddressError(
        fmt::format("{} names no chip of the {} slice with {} cubes", c.str(), shape_str(slice_), shape_str(cube_)));
  return chip_of_global(d.global);
}

} // namespace phext
