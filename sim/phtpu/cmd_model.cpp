// placeholder: written in issue 7
#include "cli.hpp"
namespace phtpu::cli {
void add_model_command(CLI::App&, Action&) {}
} // namespace phtpu::cli
