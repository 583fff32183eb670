// Availability of a TPU v4 pod under host failures: the two schedulers (with and without OCS),
// their closed forms and the Monte Carlo (availability.hpp).
#include "availability.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace phtpu::model {

namespace {

int popcount(std::uint64_t m) { return __builtin_popcountll(m); }
int lowest(std::uint64_t m) { return __builtin_ctzll(m); }
std::uint64_t bit(unsigned r) { return std::uint64_t{1} << r; }

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t a = 0;
  for (;;) {
    const std::size_t b = text.find(sep, a);
    out.push_back(text.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) return out;
    a = b + 1;
  }
}

// A decimal count, digits only, that fits in unsigned.
std::optional<unsigned> parse_count(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return static_cast<unsigned>(std::stoul(s));
}

bool power_of_two(unsigned v) { return v != 0 && (v & (v - 1)) == 0; }

} // namespace

std::string CubeBox::str() const { return fmt::format("{}x{}x{}", x, y, z); }

void validate(const PodLayout& pod) {
  if (pod.grid.x == 0 || pod.grid.y == 0 || pod.grid.z == 0 || pod.racks() > 64)
    throw std::invalid_argument(
        fmt::format("rack grid {} must have 1 to 64 racks (a pod holds 64, 4x4x4)", pod.grid.str()));
  if (pod.hosts_per_rack == 0 || pod.chips_per_host == 0)
    throw std::invalid_argument("a rack needs at least one host and a host at least one chip");
  // bounded so that chips per rack fits comfortably and a trial stays cheap
  if (pod.hosts_per_rack > 1024 || pod.chips_per_host > 1024)
    throw std::invalid_argument(fmt::format("at most 1024 hosts per rack and 1024 chips per host, not {} and {}",
                                            pod.hosts_per_rack, pod.chips_per_host));
}

double rack_availability(double host_availability, unsigned hosts_per_rack) {
  return std::pow(host_availability, static_cast<double>(hosts_per_rack));
}

std::optional<CubeBox> slice_shape(unsigned cubes, const CubeBox& grid) {
  std::array<unsigned, 3> g{grid.x, grid.y, grid.z};
  std::sort(g.begin(), g.end());
  std::optional<CubeBox> best;
  for (unsigned x = 1; x * x * x <= cubes; ++x) {
    if (cubes % x) continue;
    for (unsigned y = x; x * y * y <= cubes; ++y) {
      if ((cubes / x) % y) continue;
      const unsigned z = cubes / x / y;
      // a box fits the grid in some axis permutation iff its sorted sides fit the sorted grid
      if (x > g[0] || y > g[1] || z > g[2]) continue;
      const CubeBox s{x, y, z};
      if (!best || x + y + z < best->x + best->y + best->z || (x + y + z == best->x + best->y + best->z && z < best->z))
        best = s;
    }
  }
  return best;
}

std::vector<unsigned> parse_slice_sizes(const std::string& text, const PodLayout& pod) {
  const unsigned unit = pod.chips_per_rack();
  auto size_of = [&](const std::string& s) {
    const auto v = parse_count(s);
    if (!v) throw std::invalid_argument(fmt::format("slice size '{}' is not a number of chips", s));
    if (*v == 0 || *v % unit)
      throw std::invalid_argument(
          fmt::format("slice size {} is not a positive multiple of {} chips (one cube)", *v, unit));
    if (*v > pod.chips())
      throw std::invalid_argument(fmt::format("slice size {} is larger than the pod ({} chips)", *v, pod.chips()));
    return *v;
  };
  std::vector<unsigned> out;
  if (text.find(':') != std::string::npos) {
    const auto ends = split(text, ':');
    if (ends.size() != 2)
      throw std::invalid_argument(fmt::format("slice range '{}' must be FROM:TO, e.g. 64:4096", text));
    const unsigned from = size_of(ends[0]), to = size_of(ends[1]);
    if (!power_of_two(from) || !power_of_two(to) || from > to)
      throw std::invalid_argument(
          fmt::format("slice range '{}': FROM:TO takes the powers of two between two powers of two, FROM <= TO", text));
    for (unsigned s = from; s <= to; s *= 2)
      out.push_back(s);
    return out;
  }
  for (const auto& item : split(text, ','))
    out.push_back(size_of(item));
  return out;
}

std::vector<double> parse_availabilities(const std::string& text) {
  std::vector<double> out;
  for (const auto& item : split(text, ',')) {
    char* end = nullptr;
    const double a = item.empty() ? 0.0 : std::strtod(item.c_str(), &end);
    if (item.empty() || end != item.c_str() + item.size() || item.find_first_of(" \t") != std::string::npos)
      throw std::invalid_argument(fmt::format("host availability '{}' is not a number (e.g. 0.99,0.995,0.999)", item));
    if (!(a > 0.0 && a <= 1.0)) throw std::invalid_argument(fmt::format("host availability {} is not in (0, 1]", item));
    out.push_back(a);
  }
  return out;
}

// ---- the contiguous packer ----------------------------------------------------------------------

BlockPacker::BlockPacker(const CubeBox& grid, const CubeBox& shape)
    : cubes_(shape.volume()), racks_(grid.volume()), by_cell_(grid.volume()) {
  if (racks_ == 0 || racks_ > 64) throw std::invalid_argument("rack grid must have 1 to 64 racks");
  all_ = racks_ == 64 ? ~std::uint64_t{0} : bit(racks_) - 1;
  std::array<unsigned, 3> s{shape.x, shape.y, shape.z};
  std::sort(s.begin(), s.end());
  std::array<std::uint64_t, 8> parity{}; // racks by the parities of their x, y, z
  std::vector<std::array<unsigned, 3>> orient;
  do {
    if (s[0] <= grid.x && s[1] <= grid.y && s[2] <= grid.z) orient.push_back(s);
  } while (std::next_permutation(s.begin(), s.end()));
  if (orient.empty())
    throw std::invalid_argument(
        fmt::format("a {} block of racks fits the {} rack grid in no orientation", shape.str(), grid.str()));
  auto index = [&](unsigned x, unsigned y, unsigned z) { return x + grid.x * (y + grid.y * z); };
  for (unsigned r = 0; r < racks_; ++r) {
    const unsigned px = r % grid.x, py = (r / grid.x) % grid.y, pz = r / (grid.x * grid.y);
    parity[px % 2 + 2 * (py % 2) + 4 * (pz % 2)] |= bit(r);
    for (const auto& o : orient) {
      if (px + o[0] > grid.x || py + o[1] > grid.y || pz + o[2] > grid.z) continue;
      std::uint64_t m = 0;
      for (unsigned z = 0; z < o[2]; ++z)
        for (unsigned y = 0; y < o[1]; ++y)
          for (unsigned x = 0; x < o[0]; ++x)
            m |= bit(index(px + x, py + y, pz + z));
      placements_.push_back(m);
      for (std::uint64_t b = m; b; b &= b - 1)
        by_cell_[static_cast<unsigned>(lowest(b))].push_back(m);
    }
  }
  // Counting bounds: a set of parity classes of which every placement covers the same number t of
  // racks bounds the packing by (healthy racks in the set) / t. All eight classes give the rack
  // count; for blocks with an even side the (x+y+z)-even classes give the checkerboard; a 1x2x2
  // plate covers one rack of each antipodal pair of classes, a 2x2x2 block one of every class.
  // A disjoint union of two such sets bounds no better than its parts: keep only the others.
  std::vector<std::pair<std::uint64_t, unsigned>> sets(256, {0, 0});
  for (unsigned cs = 1; cs < 256; ++cs) {
    std::uint64_t mask = 0;
    for (unsigned c = 0; c < 8; ++c)
      if (cs >> c & 1) mask |= parity[c];
    if (mask == 0) continue;
    bool constant = true;
    const auto t = static_cast<unsigned>(popcount(placements_.front() & mask));
    for (std::uint64_t m : placements_)
      constant = constant && static_cast<unsigned>(popcount(m & mask)) == t;
    if (constant && t > 0) sets[cs] = {mask, t};
  }
  for (unsigned cs = 1; cs < 256; ++cs) {
    if (sets[cs].second == 0) continue;
    bool split = false;
    for (unsigned sub = (cs - 1) & cs; sub && !split; sub = (sub - 1) & cs)
      split = sets[sub].second && sets[cs ^ sub].second && sets[sub].first != sets[cs].first;
    if (!split) bounds_.push_back(sets[cs]);
  }
  capacity_ = optimal(all_);
}

unsigned BlockPacker::first_fit(std::uint64_t healthy) const {
  std::uint64_t avail = healthy & all_;
  unsigned n = 0;
  for (std::uint64_t m : placements_)
    if ((m & avail) == m) {
      avail &= ~m;
      ++n;
    }
  return n;
}

std::uint64_t BlockPacker::coverable(std::uint64_t avail) const {
  std::uint64_t cov = 0;
  for (std::uint64_t m : placements_)
    if ((m & avail) == m) cov |= m;
  return cov;
}

unsigned BlockPacker::bound(std::uint64_t avail) const {
  unsigned b = static_cast<unsigned>(popcount(avail)) / cubes_;
  for (const auto& [mask, t] : bounds_)
    b = std::min(b, static_cast<unsigned>(popcount(avail & mask)) / t);
  return b;
}

// Can `target` disjoint blocks be placed inside `avail`? Depth first: pick the available rack the
// fewest fitting blocks cover (the most constrained, as in Knuth's Algorithm X); any packing either
// places one of those blocks or leaves that rack empty. `ub` remembers, for rack sets already
// searched, an upper bound on their packing (the target they failed, minus one), so a set reached
// again by another order of the same choices is not searched twice.
bool BlockPacker::reach(std::uint64_t avail, unsigned target, Memo& ub, std::uint64_t& nodes,
                        std::uint64_t budget) const {
  if (target == 0) return true;
  if (bound(avail) < target) return false;
  avail = coverable(avail); // racks no fitting block covers are dead
  if (bound(avail) < target) return false;
  if (const auto it = ub.find(avail); it != ub.end() && it->second < target) return false;
  if (nodes >= budget) return false;
  ++nodes;
  unsigned r = 0, fewest = ~0u;
  for (std::uint64_t rest = avail; rest && fewest > 1; rest &= rest - 1) {
    const auto c = static_cast<unsigned>(lowest(rest));
    unsigned n = 0;
    for (std::uint64_t m : by_cell_[c])
      n += (m & avail) == m;
    if (n < fewest) fewest = n, r = c;
  }
  for (std::uint64_t m : by_cell_[r])
    if ((m & avail) == m && reach(avail & ~m, target - 1, ub, nodes, budget)) return true;
  if (reach(avail & ~bit(r), target, ub, nodes, budget)) return true;
  ub[avail] = target - 1;
  return false;
}

unsigned BlockPacker::optimal(std::uint64_t healthy) const {
  return optimal(healthy, std::numeric_limits<std::uint64_t>::max(), nullptr);
}

unsigned BlockPacker::optimal(std::uint64_t healthy, std::uint64_t node_budget, bool* finished) const {
  if (finished) *finished = true;
  if (cubes_ == 1) return static_cast<unsigned>(popcount(healthy & all_));
  // Only racks some fitting block covers matter.
  std::uint64_t avail = coverable(healthy & all_);
  if (avail == 0) return 0;
  // Blocks never span two groups of racks that no fitting block joins: solve each group alone.
  unsigned total = 0;
  std::uint64_t nodes = 0;
  Memo memo;
  while (avail) {
    std::uint64_t group = bit(static_cast<unsigned>(lowest(avail)));
    for (std::uint64_t grown = 0; grown != group;) {
      grown = group;
      for (std::uint64_t m : placements_)
        if ((m & avail) == m && (m & group)) group |= m;
    }
    avail &= ~group;
    // from first-fit's count up: the first target that cannot be reached is one above the best
    unsigned best = first_fit(group);
    const unsigned ub = bound(group);
    while (best < ub && reach(group, best + 1, memo, nodes, node_budget))
      ++best;
    total += best;
  }
  if (finished && nodes >= node_budget) *finished = false;
  return total;
}

bool BlockPacker::first_fit_is_optimal() const {
  if (cubes_ == 1 || capacity_ <= 1) return true;
  if (capacity_ == 2 && first_fit(all_) == 2) {
    bool only_full = true;
    for (std::uint64_t a : placements_)
      for (std::uint64_t b : placements_)
        if ((a & b) == 0 && (a | b) != all_) only_full = false;
    if (only_full) return true;
  }
  if (racks_ > 16) return false;
  for (std::uint64_t m = 0; m <= all_; ++m)
    if (first_fit(m) != optimal(m)) return false;
  return true;
}

const char* packer_name(Packer p) { return p == Packer::optimal ? "optimal" : "first-fit"; }

Packer packer_from_name(const std::string& name) {
  if (name == "optimal") return Packer::optimal;
  if (name == "first-fit") return Packer::first_fit;
  throw std::invalid_argument(fmt::format("packer '{}' is not optimal or first-fit", name));
}

// ---- closed forms -------------------------------------------------------------------------------

std::vector<double> binomial_pmf(unsigned n, double p) {
  std::vector<double> pmf(n + 1, 0.0);
  if (p >= 1.0) {
    pmf[n] = 1.0;
    return pmf;
  }
  if (p <= 0.0) {
    pmf[0] = 1.0;
    return pmf;
  }
  const double lp = std::log(p), lq = std::log1p(-p);
  for (unsigned h = 0; h <= n; ++h) {
    const double lchoose = std::lgamma(n + 1.0) - std::lgamma(h + 1.0) - std::lgamma(n - h + 1.0);
    pmf[h] = std::exp(lchoose + h * lp + (n - h) * lq);
  }
  return pmf;
}

double closed_ocs_goodput(unsigned racks, double p_rack, unsigned cubes) {
  const auto pmf = binomial_pmf(racks, p_rack);
  double e = 0;
  for (unsigned h = 0; h <= racks; ++h)
    e += pmf[h] * (cubes * (h / cubes)) / racks;
  return e;
}

double closed_ocs_goodput_variance(unsigned racks, double p_rack, unsigned cubes) {
  const auto pmf = binomial_pmf(racks, p_rack);
  double e = 0, e2 = 0;
  for (unsigned h = 0; h <= racks; ++h) {
    const double g = static_cast<double>(cubes * (h / cubes)) / racks;
    e += pmf[h] * g;
    e2 += pmf[h] * g * g;
  }
  return std::max(0.0, e2 - e * e);
}

double closed_ocs_fit(unsigned racks, double p_rack, unsigned cubes) {
  const auto pmf = binomial_pmf(racks, p_rack);
  double s = 0;
  for (unsigned h = cubes; h <= racks; ++h)
    s += pmf[h];
  return s;
}

namespace {

// P(at least one of the rack sets in `family` is all healthy), racks independent with p:
// inclusion-exclusion, sum over non-empty subsets S of (-1)^(|S|+1) p^|union S|.
double union_probability(const std::vector<std::uint64_t>& family, const std::vector<double>& pow_p) {
  double sum = 0;
  // depth-first over include/exclude with the running union
  struct Frame {
    std::size_t next;
    std::uint64_t uni;
    int sign;
  };
  std::vector<Frame> stack{{0, 0, -1}};
  while (!stack.empty()) {
    const Frame f = stack.back();
    stack.pop_back();
    for (std::size_t i = f.next; i < family.size(); ++i) {
      const std::uint64_t u = f.uni | family[i];
      const int sign = -f.sign;
      sum += sign * pow_p[static_cast<unsigned>(popcount(u))];
      stack.push_back({i + 1, u, sign});
    }
  }
  return sum;
}

// The distinct unions of j pairwise disjoint placements, j = 1, 2, ...; empty if a family has more
// than `limit` members.
std::vector<std::vector<std::uint64_t>> disjoint_families(const std::vector<std::uint64_t>& placements,
                                                          std::size_t limit) {
  std::vector<std::vector<std::uint64_t>> fams;
  std::set<std::uint64_t> cur(placements.begin(), placements.end());
  while (!cur.empty()) {
    if (cur.size() > limit) return {};
    fams.emplace_back(cur.begin(), cur.end());
    std::set<std::uint64_t> next;
    for (std::uint64_t u : cur)
      for (std::uint64_t m : placements)
        if ((u & m) == 0) next.insert(u | m);
    cur = std::move(next);
  }
  return fams;
}

std::vector<double> powers(double p, unsigned n) {
  std::vector<double> v(n + 1, 1.0);
  for (unsigned i = 1; i <= n; ++i)
    v[i] = v[i - 1] * p;
  return v;
}

} // namespace

std::optional<double> closed_noocs_goodput(const BlockPacker& packer, double p_rack, unsigned max_terms_log2) {
  const unsigned k = packer.cubes();
  if (k == 1) return p_rack; // every healthy rack is a slice: E[H]/R
  const auto fams = disjoint_families(packer.placements(), max_terms_log2);
  if (fams.empty()) return std::nullopt;
  const auto pw = powers(p_rack, 64);
  double blocks = 0; // E[max packing] = sum_j P(max packing >= j)
  for (const auto& f : fams)
    blocks += union_probability(f, pw);
  return blocks * k / packer.racks();
}

std::optional<double> closed_noocs_fit(const BlockPacker& packer, double p_rack, unsigned max_terms_log2) {
  if (packer.cubes() == 1) return 1.0 - std::pow(1.0 - p_rack, static_cast<double>(packer.racks()));
  if (packer.placements().size() > max_terms_log2) return std::nullopt;
  return union_probability(packer.placements(), powers(p_rack, 64));
}

// ---- Monte Carlo --------------------------------------------------------------------------------

void Accumulator::add(double v) {
  ++n_;
  const double d = v - mean_;
  mean_ += d / static_cast<double>(n_);
  m2_ += d * (v - mean_);
}

Estimate Accumulator::estimate() const {
  Estimate e;
  e.mean = mean_;
  if (n_ >= 2) {
    e.stddev = std::sqrt(m2_ / static_cast<double>(n_ - 1));
    e.ci95 = 1.96 * e.stddev / std::sqrt(static_cast<double>(n_));
  }
  return e;
}

std::uint64_t unit_threshold(double probability) {
  const long double scaled = static_cast<long double>(probability) * 18446744073709551616.0L; // p 2^64
  if (scaled >= 18446744073709551616.0L) return std::numeric_limits<std::uint64_t>::max();
  if (scaled < 1.0L) return 0;
  return static_cast<std::uint64_t>(scaled) - 1;
}

void validate(const AvailConfig& c) {
  validate(c.pod);
  if (c.host_availability.empty()) throw std::invalid_argument("no host availability given");
  for (double a : c.host_availability)
    if (!(a > 0.0 && a <= 1.0)) throw std::invalid_argument(fmt::format("host availability {} is not in (0, 1]", a));
  if (c.slice_chips.empty()) throw std::invalid_argument("no slice size given");
  for (unsigned s : c.slice_chips) {
    if (s == 0 || s % c.pod.chips_per_rack())
      throw std::invalid_argument(
          fmt::format("slice size {} is not a positive multiple of {} chips (one cube)", s, c.pod.chips_per_rack()));
    if (s > c.pod.chips())
      throw std::invalid_argument(fmt::format("slice size {} is larger than the pod ({} chips)", s, c.pod.chips()));
    if (!slice_shape(s / c.pod.chips_per_rack(), c.pod.grid))
      throw std::invalid_argument(fmt::format("slice size {} ({} cubes) has no x*y*z block shape that fits the {} "
                                              "rack grid, so the contiguous (no-OCS) scheduler cannot place it",
                                              s, s / c.pod.chips_per_rack(), c.pod.grid.str()));
  }
  if (c.trials < 2) throw std::invalid_argument("trials must be at least 2 (a confidence interval needs two)");
  if (c.trials > kMaxTrials)
    throw std::invalid_argument(fmt::format("trials must be at most {} (that many already narrow a 95 % confidence "
                                            "interval to about 0.0001 and take hours; {} would take days)",
                                            kMaxTrials, c.trials));
}

AvailResult run_availability(const AvailConfig& c, const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  validate(c);
  const auto t0 = std::chrono::steady_clock::now();
  const unsigned racks = c.pod.racks();
  const std::uint64_t all = racks == 64 ? ~std::uint64_t{0} : bit(racks) - 1;
  const std::size_t na = c.host_availability.size(), ns = c.slice_chips.size();

  std::vector<BlockPacker> packers;
  AvailResult res;
  res.config = c;
  for (double a : c.host_availability)
    for (unsigned s : c.slice_chips) {
      const unsigned k = s / c.pod.chips_per_rack();
      if (packers.size() < ns) packers.emplace_back(c.pod.grid, *slice_shape(k, c.pod.grid));
      AvailPoint pt;
      pt.host_availability = a;
      pt.rack_availability = rack_availability(a, c.pod.hosts_per_rack);
      pt.slice_chips = s;
      pt.cubes = k;
      pt.shape = *slice_shape(k, c.pod.grid);
      pt.ocs_closed = closed_ocs_goodput(racks, pt.rack_availability, k);
      pt.ocs_fit_closed = closed_ocs_fit(racks, pt.rack_availability, k);
      const BlockPacker& bp = packers[res.points.size() % ns];
      // the inclusion-exclusion form is the optimal packer's; first-fit's where it is optimal too
      if (c.packer == Packer::optimal || bp.first_fit_is_optimal())
        pt.noocs_closed = closed_noocs_goodput(bp, pt.rack_availability);
      pt.noocs_fit_closed = closed_noocs_fit(bp, pt.rack_availability);
      res.points.push_back(pt);
    }

  // A unit is up iff its uniform draw u <= threshold. Hosts: a rack is healthy iff the largest of
  // its hosts' draws is under the host threshold; racks: one draw per rack against a^hosts.
  std::vector<std::uint64_t> threshold(na);
  for (std::size_t i = 0; i < na; ++i)
    threshold[i] =
        unit_threshold(c.draw == Draw::hosts ? c.host_availability[i]
                                             : rack_availability(c.host_availability[i], c.pod.hosts_per_rack));
  std::vector<unsigned> full(ns); // blocks on the all-healthy pod (the common case at high availability)
  for (std::size_t j = 0; j < ns; ++j)
    full[j] = c.packer == Packer::first_fit ? packers[j].first_fit(all) : packers[j].capacity();
  std::vector<Accumulator> ocs(na * ns), noocs(na * ns), ocs_fit(na * ns), noocs_fit(na * ns);
  std::vector<std::uint64_t> draw(racks);
  std::mt19937_64 rng(c.seed);
  constexpr std::uint64_t budget = 50'000'000; // nodes per packing; reported if ever hit
  // (often enough for a progress line every few seconds however many trials)
  const std::uint64_t step = std::clamp<std::uint64_t>(c.trials / 20, 1, 4096);
  for (std::uint64_t t = 0; t < c.trials; ++t) {
    for (unsigned r = 0; r < racks; ++r) {
      std::uint64_t m = 0;
      const unsigned n = c.draw == Draw::hosts ? c.pod.hosts_per_rack : 1;
      for (unsigned h = 0; h < n; ++h)
        m = std::max<std::uint64_t>(m, rng());
      draw[r] = m;
    }
    for (std::size_t i = 0; i < na; ++i) {
      std::uint64_t healthy = 0;
      for (unsigned r = 0; r < racks; ++r)
        if (draw[r] <= threshold[i]) healthy |= bit(r);
      const auto h = static_cast<unsigned>(popcount(healthy));
      for (std::size_t j = 0; j < ns; ++j) {
        AvailPoint& pt = res.points[i * ns + j];
        const BlockPacker& bp = packers[j];
        const unsigned k = pt.cubes;
        const unsigned n_ocs = ocs_slices(h, k);
        unsigned n_contig = 0;
        if (healthy == all)
          n_contig = full[j];
        else if (c.packer == Packer::first_fit)
          n_contig = bp.first_fit(healthy);
        else {
          bool finished = true;
          n_contig = bp.optimal(healthy, budget, &finished);
          if (!finished) ++pt.search_unfinished;
        }
        if (n_contig > n_ocs) ++pt.dominance_violations;
        ocs[i * ns + j].add(static_cast<double>(n_ocs * k) / racks);
        noocs[i * ns + j].add(static_cast<double>(n_contig * k) / racks);
        ocs_fit[i * ns + j].add(n_ocs > 0 ? 1.0 : 0.0);
        noocs_fit[i * ns + j].add(n_contig > 0 ? 1.0 : 0.0);
      }
    }
    if (progress && ((t + 1) % step == 0 || t + 1 == c.trials)) progress(t + 1, c.trials);
  }
  for (std::size_t i = 0; i < na * ns; ++i) {
    res.points[i].ocs = ocs[i].estimate();
    res.points[i].noocs = noocs[i].estimate();
    res.points[i].ocs_fit = ocs_fit[i].estimate();
    res.points[i].noocs_fit = noocs_fit[i].estimate();
  }
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

} // namespace phtpu::model
