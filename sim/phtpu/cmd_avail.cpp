// placeholder: written in issue 7
#include "cli.hpp"
namespace phtpu::cli {
void add_avail_command(CLI::App&, Action&) {}
} // namespace phtpu::cli
