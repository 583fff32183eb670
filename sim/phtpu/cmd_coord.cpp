// phtpu coord parse|format|next|chip
#include "chip_address.hpp"
#include "cli.hpp"
#include "coordinate.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace phtpu::cli {

namespace {

std::string fields_line(const phext::Coordinate& c) {
  std::string s;
  for (std::size_t i = 0; i < phext::kDims; ++i)
    s += fmt::format("{}{}={}", i ? " " : "", phext::dim_name(static_cast<phext::Dim>(i)), c.at(i));
  return s;
}

nlohmann::json coord_json(const phext::Coordinate& c) {
  nlohmann::json j;
  j["canonical"] = c.str();
  j["url"] = c.url();
  for (std::size_t i = 0; i < phext::kDims; ++i)
    j[std::string(phext::dim_name(static_cast<phext::Dim>(i)))] = c.at(i);
  return j;
}

nlohmann::json vec_json(const phext::Vec3& v) { return nlohmann::json::array({v.x, v.y, v.z}); }

} // namespace

void add_coord_commands(CLI::App& app, Action& action) {
  auto* coord = app.add_subcommand("coord", "Parse, format and step phext coordinates; address chips");
  coord->require_subcommand(1);

  // --- parse ---
  auto* parse =
      coord->add_subcommand("parse", "Parse coordinates (canonical `a.b.c/d.e.f/g.h.i` or URL `a.b.c;d.e.f;g.h.i`) "
                                     "and print every form");
  auto parse_args = std::make_shared<std::vector<std::string>>();
  auto parse_json = std::make_shared<bool>(false);
  parse->add_option("COORD", *parse_args, "Coordinates to parse")->required();
  parse->add_flag("--json", *parse_json, "Print a JSON array instead of text");
  parse->callback([&action, parse_args, parse_json] {
    action = [parse_args, parse_json] {
      nlohmann::json all = nlohmann::json::array();
      std::vector<phext::Coordinate> coords; // every one parsed before any is printed
      for (const auto& a : *parse_args) coords.push_back(phext::Coordinate::parse(a, /*allow_url=*/true));
      for (const auto& c : coords) {
        if (*parse_json)
          all.push_back(coord_json(c));
        else
          fmt::print("canonical  {}\nurl        {}\nfields     {}\n", c.str(), c.url(), fields_line(c));
      }
      if (*parse_json) fmt::print("{}\n", all.dump(2));
      return 0;
    };
  });

  // --- format ---
  auto* format = coord->add_subcommand("format", "Format nine numbers (library ... scroll) as a coordinate");
  auto nums = std::make_shared<std::vector<std::string>>();
  auto url = std::make_shared<bool>(false);
  format->add_option("FIELD", *nums, "Nine numbers, 1..999, library first")->required()->expected(9);
  format->add_flag("--url", *url, "Print the URL form (`;` between arms)");
  format->callback([&action, nums, url] {
    action = [nums, url] {
      // Through the strict parser, so the fields obey exactly the rules of a written coordinate.
      const auto& n = *nums;
      const auto c = phext::Coordinate::parse(
          fmt::format("{}.{}.{}/{}.{}.{}/{}.{}.{}", n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8]));
      fmt::print("{}\n", *url ? c.url() : c.str());
      return 0;
    };
  });

  // --- next ---
  auto* next = coord->add_subcommand("next", "Apply a break: increment one dimension (saturating at 999) and reset "
                                             "the lower ones");
  auto next_coord = std::make_shared<std::string>();
  auto next_dim = std::make_shared<std::string>("scroll");
  auto next_count = std::make_shared<unsigned>(1);
  next->add_option("COORD", *next_coord, "Starting coordinate")->required();
  std::vector<std::string> dim_names;
  for (std::size_t i = 0; i < phext::kDims; ++i)
    dim_names.emplace_back(phext::dim_name(static_cast<phext::Dim>(i)));
  next->add_option("--dim,-d", *next_dim, "Dimension to break: " + fmt::format("{}", fmt::join(dim_names, ", ")))
      ->capture_default_str();
  next->add_option("--count,-n", *next_count, "Number of breaks to apply, 0..999")->capture_default_str();
  next->callback([&action, next_coord, next_dim, next_count] {
    action = [next_coord, next_dim, next_count] {
      if (*next_count > 999) throw InputError(fmt::format("--count must be 0..999, not {}", *next_count));
      auto c = phext::Coordinate::parse(*next_coord, true);
      (void)phext::dim_from_name(*next_dim); // a name that is not a dimension: ParseError, before the loop
      for (unsigned i = 0; i < *next_count; ++i)
        c.advance(phext::dim_from_name(*next_dim));
      fmt::print("{}\n", c.str());
      return 0;
    };
  });

  // --- chip ---
  auto* chip = coord->add_subcommand(
      "chip", "Show a chip in every form: number, phext coordinate, global torus position, cube and chip-in-cube.\n"
              "CHIP is a chip number (0-based, cube-major), `x,y,z` (global torus position) or a phext coordinate.");
  auto pod = std::make_shared<std::string>("16x16x16");
  auto cube = std::make_shared<std::string>("4x4x4");
  auto zarm = std::make_shared<std::string>("1.1.1");
  auto chip_arg = std::make_shared<std::string>();
  auto chip_json = std::make_shared<bool>(false);
  chip->add_option("--pod,--slice", *pod, "Pod (or slice) shape in chips, AxBxC")->capture_default_str();
  chip->add_option("--cube", *cube, "Cube shape in chips, AxBxC (TPU v4: 4x4x4)")->capture_default_str();
  chip->add_option("--z", *zarm, "Z arm: datacenter.pod.slice")->capture_default_str();
  chip->add_option("CHIP", *chip_arg, "Chip number, x,y,z or phext coordinate")->required();
  chip->add_flag("--json", *chip_json, "Print JSON instead of text");
  chip->callback([&action, pod, cube, zarm, chip_arg, chip_json] {
    action = [pod, cube, zarm, chip_arg, chip_json] {
      const phext::SliceGeometry geo(phext::parse_shape(*pod, "pod shape"), phext::parse_shape(*cube, "cube shape"),
                                     parse_zarm(*zarm));
      const std::string& a = *chip_arg;
      unsigned n;
      if (a.find('.') != std::string::npos || a.find('/') != std::string::npos || a.find(';') != std::string::npos)
        n = geo.chip_of_phext(phext::Coordinate::parse(a, true));
      else if (a.find(',') != std::string::npos)
        n = geo.chip_of_global(phext::parse_position(a));
      else {
        if (a.empty() || a.find_first_not_of("0123456789") != std::string::npos)
          throw InputError(fmt::format("invalid chip '{}': expected a chip number, x,y,z or a phext coordinate",
                                       phext::printable(a)));
        const unsigned long long v = a.size() > 12 ? ~0ull : std::stoull(a);
        if (v >= geo.chip_count())
          throw InputError(fmt::format("chip {} is out of range: the {} slice has chips 0..{}", phext::printable(a),
                                       phext::shape_str(geo.slice()), geo.chip_count() - 1));
        n = static_cast<unsigned>(v);
      }
      const auto c = geo.phext_of_chip(n);
      const auto g = geo.global_of_chip(n);
      const phext::Vec3 cube_pos{c.collection() - 1, c.volume() - 1, c.book() - 1};
      const phext::Vec3 in_cube{c.chapter() - 1, c.section() - 1, c.scroll() - 1};
      if (*chip_json) {
        nlohmann::json j{{"chip", n},
                         {"phext", c.str()},
                         {"url", c.url()},
                         {"global", vec_json(g)},
                         {"cube", vec_json(cube_pos)},
                         {"chip_in_cube", vec_json(in_cube)},
                         {"slice", phext::shape_str(geo.slice())},
                         {"cube_shape", phext::shape_str(geo.cube())},
                         {"topology", geo.is_torus() ? "torus" : "mesh"},
                         {"chips", geo.chip_count()}};
        fmt::print("{}\n", j.dump(2));
      } else {
        fmt::print("chip          {} of {} ({} slice of {} cubes, {})\n", n, geo.chip_count(),
                   phext::shape_str(geo.slice()), phext::shape_str(geo.cube()), geo.is_torus() ? "torus" : "mesh");
        fmt::print("phext         {}\nurl           {}\n", c.str(), c.url());
        fmt::print("global x,y,z  {}\n", phext::position_str(g));
        fmt::print("cube x,y,z    {}  (Y arm {}.{}.{})\n", phext::position_str(cube_pos), c.collection(), c.volume(),
                   c.book());
        fmt::print("chip in cube  {}  (X arm {}.{}.{})\n", phext::position_str(in_cube), c.chapter(), c.section(),
                   c.scroll());
      }
      return 0;
    };
  });
}

} // namespace phtpu::cli
