// phtpu phext toc|fetch|insert|replace|remove|normalize|checksum|manifest|explode|implode
#include "cli.hpp"
#include "document.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace phtpu::cli {

namespace {

/// A document operation writes only what it would read back: the result is parsed first (a
/// break past 999 in a dimension, say, after `expand` of a text of more than 999 lines), and
/// nothing is written when it does not parse.
void write_document(const std::string& op, const std::string& path, const std::string& doc) {
  try {
    (void)phext::phokenize(doc);
  } catch (const phext::ParseError& e) {
    throw InputError(fmt::format("phext {}: the result would not be a document phext reads ({}); nothing written", op,
                                 e.what()));
  }
  write_output(path, doc);
}


struct PhextArgs {
  std::string file;
  std::string coord;
  std::string text;
  std::string text_file;
  std::string out = "-";
  std::string dir;
  bool json = false;
};

// TEXT argument or --text-file (one of them, not both).
std::string text_of(const PhextArgs& a, bool text_given) {
  if (text_given && !a.text_file.empty()) throw UsageError("give TEXT or --text-file, not both");
  if (!a.text_file.empty()) return read_input(a.text_file);
  if (!text_given) throw UsageError("missing TEXT (or --text-file FILE)");
  return a.text;
}

CLI::App* sub(CLI::App* phext, const char* name, const char* help, PhextArgs& a) {
  auto* s = phext->add_subcommand(name, help);
  s->add_option("FILE", a.file, "Phext document, or - for standard input")->required();
  return s;
}

} // namespace

void add_phext_commands(CLI::App& app, Action& action) {
  auto* phext = app.add_subcommand("phext", "Read and edit phext documents (documents go to standard output)");
  phext->require_subcommand(1);
  auto a = std::make_shared<PhextArgs>();

  auto* toc = sub(phext, "toc",
                  "One line per non-empty scroll: coordinate, byte count, summary (first line, at most 32 bytes; "
                  "control bytes shown as \\xNN)",
                  *a);
  toc->add_flag("--json", a->json, "Print a JSON array instead of text");
  toc->callback([&action, a] {
    action = [a] {
      const auto scrolls = phext::phokenize(read_input(a->file));
      nlohmann::json j = nlohmann::json::array();
      for (const auto& p : scrolls) {
        const std::string summary = phext::create_summary(p.text);
        if (a->json)
          j.push_back({{"coord", p.coord.str()}, {"bytes", p.text.size()}, {"summary", summary}});
        else
          fmt::print("{}\t{}\t{}\n", p.coord.str(), p.text.size(), phext::printable(summary, 128));
      }
      if (a->json) fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return 0;
    };
  });

  auto* fetch = sub(phext, "fetch", "Print the text of the scroll at COORD (nothing when absent)", *a);
  fetch->add_option("COORD", a->coord, "Coordinate")->required();
  fetch->callback([&action, a] {
    action = [a] {
      const auto c = phext::Coordinate::parse(a->coord, true);
      write_output("-", phext::fetch(read_input(a->file), c));
      return 0;
    };
  });

  auto edit = [&](const char* name, const char* help, bool with_text) {
    auto* s = sub(phext, name, help, *a);
    s->add_option("COORD", a->coord, "Coordinate")->required();
    CLI::Option* text_opt = nullptr;
    if (with_text) {
      text_opt = s->add_option("TEXT", a->text, "Text (or use --text-file)");
      s->add_option("--text-file", a->text_file, "Read the text from a file (- for standard input)");
    }
    s->add_option("-o,--output", a->out, "Write the document here instead of standard output");
    const std::string op = name;
    s->callback([&action, a, text_opt, op] {
      const bool text_given = text_opt && text_opt->count() > 0;
      action = [a, text_given, op] {
        const auto c = phext::Coordinate::parse(a->coord, true);
        if (a->file == "-" && a->text_file == "-") throw UsageError("FILE and --text-file cannot both be stdin");
        const std::string doc = read_input(a->file);
        std::string out;
        if (op == "insert")
          out = phext::insert(doc, c, text_of(*a, text_given));
        else if (op == "replace")
          out = phext::replace(doc, c, text_of(*a, text_given));
        else
          out = phext::remove(doc, c);
        write_document(op, a->out, out);
        return 0;
      };
    });
  };
  edit("insert", "Append TEXT to the scroll at COORD, creating it where needed; other bytes unchanged", true);
  edit("replace", "Overwrite the scroll at COORD with TEXT, creating it where needed", true);
  edit("remove", "Remove the scroll at COORD and re-minimise the delimiters", false);

  auto whole = [&](const char* name, const char* help, std::string (*op)(std::string_view)) {
    auto* s = sub(phext, name, help, *a);
    s->add_option("-o,--output", a->out, "Write here instead of standard output");
    const std::string what = name;
    s->callback([&action, a, op, what] {
      action = [a, op, what] {
        write_document(what, a->out, op(read_input(a->file)));
        return 0;
      };
    });
  };
  whole("normalize", "Rewrite with minimal delimiters (no redundant or trailing ones)", &phext::normalize);
  whole("manifest", "The document's shape with every scroll replaced by its XXH3-128 checksum", &phext::manifest);
  whole("expand", "Move every delimiter one dimension up (line break -> scroll ... shelf -> library)", &phext::expand);
  whole("contract", "Move every delimiter one dimension down (library -> shelf ... scroll -> line break)",
        &phext::contract);
  whole("index", "The document's shape with every scroll replaced by the byte offset of its content", &phext::index);

  auto pair = [&](const char* name, const char* help, std::string (*op)(std::string_view, std::string_view)) {
    auto* s = sub(phext, name, help, *a);
    s->add_option("OTHER", a->text_file, "Second document, or - for standard input")->required();
    s->add_option("-o,--output", a->out, "Write here instead of standard output");
    const std::string what = name;
    s->callback([&action, a, op, what] {
      action = [a, op, what] {
        if (a->file == "-" && a->text_file == "-") throw UsageError("FILE and OTHER cannot both be stdin");
        write_document(what, a->out, op(read_input(a->file), read_input(a->text_file)));
        return 0;
      };
    });
  };
  pair("merge", "Every scroll of FILE and OTHER; at equal coordinates FILE's text then OTHER's", &phext::merge);
  pair("subtract", "The scrolls of FILE at coordinates where OTHER has no scroll", &phext::subtract);

  auto* checksum = sub(phext, "checksum", "XXH3-128 of the file's bytes (32 hex digits, high half first)", *a);
  checksum->callback([&action, a] {
    action = [a] {
      fmt::print("{}\n", phext::checksum(read_input(a->file)));
      return 0;
    };
  });

  auto* explode = sub(phext, "explode",
                      "Split into scrolls: a JSON object {coordinate: text} on standard output (invalid UTF-8 is "
                      "replaced), or with --dir one file per scroll named by its URL-form coordinate (lossless)",
                      *a);
  explode->add_option("--dir", a->dir, "Write one file per scroll into this folder");
  explode->callback([&action, a] {
    action = [a] {
      const auto map = phext::explode(read_input(a->file));
      if (a->dir.empty()) {
        nlohmann::ordered_json j = nlohmann::ordered_json::object();
        for (const auto& [c, t] : map)
          j[c.str()] = t;
        fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
        return 0;
      }
      std::error_code ec;
      std::filesystem::create_directories(a->dir, ec);
      if (ec) throw InputError(fmt::format("{}: {}", a->dir, ec.message()));
      for (const auto& [c, t] : map)
        write_output((std::filesystem::path(a->dir) / (c.url() + ".txt")).string(), t);
      fmt::print(stderr, "wrote {} scroll{} to {}\n", map.size(), map.size() == 1 ? "" : "s", a->dir);
      return 0;
    };
  });

  auto* implode = phext->add_subcommand("implode", "Join a JSON object {coordinate: text} (as explode writes it) "
                                                   "into a canonical document");
  implode->add_option("FILE", a->file, "JSON file, or - for standard input")->required();
  implode->add_option("-o,--output", a->out, "Write here instead of standard output");
  implode->callback([&action, a] {
    action = [a] {
      const nlohmann::json j = read_json(a->file);
      if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object {{coordinate: text}}", a->file));
      phext::ScrollMap map;
      for (const auto& [k, v] : j.items()) {
        if (!v.is_string()) throw InputError(fmt::format("{}: value of '{}' is not a string", a->file, k));
        const phext::Coordinate c = phext::Coordinate::parse(k, true);
        if (map.count(c))
          throw InputError(fmt::format("{}: two keys name the coordinate {} (the second: '{}')", a->file, c.str(), k));
        map[c] = v.get<std::string>();
      }
      write_document("implode", a->out, phext::implode(map));
      return 0;
    };
  });
}

} // namespace phtpu::cli
