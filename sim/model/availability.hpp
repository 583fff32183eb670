// Availability of a TPU v4 pod: how much of the pod runs slices of one size when CPU hosts fail.
//
// The pod is a grid of racks (default 4x4x4 = 64 racks, docs/references.md §T2); a
// rack is one 4x4x4 cube of 64 chips behind 16 CPU hosts, 4 chips per host (§T1, §T2). Hosts are up
// independently with probability a (99.0%..99.9%, §T6). A host outage takes out its 4 chips and the
// cube is the smallest unit the scheduler places (§T6), so a rack is usable iff all its hosts are up:
// p_rack = a^16. Slices of k cubes are packed onto the healthy racks by one of two schedulers:
//
//   with OCS     any k healthy racks form a slice (the OCS wires any cubes into a torus, §T6
//                "any 4^3 blocks anywhere"): floor(H/k) slices from H healthy racks. Optimal.
//   without OCS  TPU v3-style: a slice needs an axis-aligned contiguous a x b x c block of healthy
//                racks in the rack grid (any axis permutation, no wraparound: a sub-block of a
//                cabled torus has no wrap links of its own). The packer finds the maximum number
//                of disjoint blocks (exact branch and bound), or greedy first-fit on request.
//
// Goodput = chips in running slices / chips in the pod. Estimated by Monte Carlo with 95%
// confidence intervals, and given in closed form where one exists (closed_* functions).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace phtpu::model {

/// A box of racks (cubes): the rack grid of a pod or the shape of a slice, x <= y <= z for slices.
struct CubeBox {
  unsigned x = 1, y = 1, z = 1;
  unsigned volume() const { return x * y * z; }
  std::string str() const; ///< "2x2x4"
  bool operator==(const CubeBox& o) const { return x == o.x && y == o.y && z == o.z; }
};

/// The pod: racks in a grid, hosts per rack, chips per host.
struct PodLayout {
  CubeBox grid{4, 4, 4};        ///< racks; rack r sits at (r % gx, (r / gx) % gy, r / (gx * gy)); at most 64
  unsigned hosts_per_rack = 16; ///< docs/references.md §T2
  unsigned chips_per_host = 4;  ///< docs/references.md §T1
  unsigned racks() const { return grid.volume(); }
  unsigned chips_per_rack() const { return hosts_per_rack * chips_per_host; }
  unsigned chips() const { return racks() * chips_per_rack(); }
};

/// Throws std::invalid_argument unless 1..64 racks, at least one host and one chip per host.
void validate(const PodLayout& pod);

/// P(rack usable) = a^hosts_per_rack.
double rack_availability(double host_availability, unsigned hosts_per_rack);

/// The slice shape in cubes for k cubes: the Cloud shapes for powers of two (1x1x1, 1x1x2, 1x2x2,
/// 2x2x2, 2x2x4, 2x4x4, 4x4x4), otherwise the most cubic x <= y <= z with x*y*z = k (smallest
/// x+y+z, then smallest z) that fits the rack grid in some axis permutation; nullopt if none fits.
std::optional<CubeBox> slice_shape(unsigned cubes, const CubeBox& grid);

/// Slice sizes in chips from "64:4096" (every power of two in the range, both ends powers of two)
/// or "64,192,512". Throws std::invalid_argument (one line) for malformed text, a size that is not a
/// positive multiple of chips_per_rack, or a size above the pod.
std::vector<unsigned> parse_slice_sizes(const std::string& text, const PodLayout& pod);
/// Host availabilities from "0.99,0.995,0.999"; each in (0, 1]. Throws std::invalid_argument.
std::vector<double> parse_availabilities(const std::string& text);

/// Slices of `cubes` racks that fit with OCS on `healthy` healthy racks.
inline unsigned ocs_slices(unsigned healthy, unsigned cubes) { return healthy / cubes; }

/// Contiguous (no-OCS) packing of one block shape into the rack grid. A rack set is a bit mask, bit r
/// for rack r (the grid has at most 64 racks).
class BlockPacker {
public:
  /// Throws std::invalid_argument if the shape fits the grid in no orientation.
  BlockPacker(const CubeBox& grid, const CubeBox& shape);

  /// Every placement of the block (each orientation at each position), as rack masks, in first-fit
  /// order: position by rack index (x fastest), then orientation (distinct axis permutations of the
  /// shape in lexicographic order).
  const std::vector<std::uint64_t>& placements() const { return placements_; }
  unsigned cubes() const { return cubes_; }
  unsigned racks() const { return racks_; }

  /// Greedy first-fit: take every placement, in order, whose racks are all healthy and free.
  unsigned first_fit(std::uint64_t healthy) const;
  /// The maximum number of disjoint placements inside `healthy` (exact: a memoized search over the
  /// most constrained rack, per group of racks that blocks connect, cut short by counting bounds
  /// over the racks' coordinate parities, e.g. the checkerboard). Deterministic.
  unsigned optimal(std::uint64_t healthy) const;
  /// The same with a node budget: returns the best packing found and whether the search finished.
  unsigned optimal(std::uint64_t healthy, std::uint64_t node_budget, bool* finished) const;
  /// Whether first-fit finds the optimum on every rack state, where that is cheap to prove: one-rack
  /// blocks; at most one block fits; two fit only on the full grid and first-fit finds them there;
  /// or, on grids of at most 16 racks, by checking every state.
  bool first_fit_is_optimal() const;
  /// The most blocks the full (all healthy) grid holds.
  unsigned capacity() const { return capacity_; }

private:
  using Memo = std::unordered_map<std::uint64_t, unsigned>;
  bool reach(std::uint64_t avail, unsigned target, Memo& ub, std::uint64_t& nodes, std::uint64_t budget) const;
  unsigned bound(std::uint64_t avail) const;
  std::uint64_t coverable(std::uint64_t avail) const; ///< the racks of the blocks that fit inside avail

  unsigned cubes_ = 1;
  unsigned racks_ = 1;
  std::uint64_t all_ = 0;
  std::vector<std::pair<std::uint64_t, unsigned>> bounds_; ///< rack sets every placement covers t of
  std::vector<std::uint64_t> placements_;
  std::vector<std::vector<std::uint64_t>> by_cell_; ///< placements by the racks they cover
  unsigned capacity_ = 0;
};

/// Which contiguous packer the no-OCS scheduler uses.
enum class Packer { optimal, first_fit };
const char* packer_name(Packer p);
/// "optimal" or "first-fit"; throws std::invalid_argument.
Packer packer_from_name(const std::string& name);

// ---- closed forms -------------------------------------------------------------------------------

/// Binomial(n, h, p) for h = 0..n.
std::vector<double> binomial_pmf(unsigned n, double p);
/// With OCS, exact: E[goodput] = sum_h B(R, h, p) k floor(h/k) / R.
double closed_ocs_goodput(unsigned racks, double p_rack, unsigned cubes);
/// With OCS, exact: Var[goodput], for the Monte Carlo checks.
double closed_ocs_goodput_variance(unsigned racks, double p_rack, unsigned cubes);
/// With OCS, exact: P(at least one slice fits) = P(H >= k).
double closed_ocs_fit(unsigned racks, double p_rack, unsigned cubes);

/// Without OCS, for the optimal packer: E[goodput] = (k/R) sum_j P(at least j disjoint healthy
/// blocks), each P(...) by inclusion-exclusion over the distinct unions of j disjoint placements
/// (k = 1 by the binomial). Given when every family has at most `max_terms_log2` members (so at
/// most 2^max_terms_log2 terms each), e.g. k = R (p^R), k = R/2, and every k on small pods;
/// otherwise nullopt. The first-fit packer equals it where first-fit is optimal (see docs).
std::optional<double> closed_noocs_goodput(const BlockPacker& packer, double p_rack, unsigned max_terms_log2 = 20);
/// Without OCS: P(at least one block fits), by inclusion-exclusion over the placements; nullopt
/// when there are more than 2^max_terms_log2 terms.
std::optional<double> closed_noocs_fit(const BlockPacker& packer, double p_rack, unsigned max_terms_log2 = 20);

// ---- Monte Carlo --------------------------------------------------------------------------------

/// A Monte Carlo estimate: the sample mean and the half-width of its 95% confidence interval by
/// the normal approximation, 1.96 s / sqrt(N) (s the sample standard deviation).
struct Estimate {
  double mean = 0;
  double stddev = 0; ///< sample standard deviation s (N - 1 in the denominator)
  double ci95 = 0;
  double std_error() const { return ci95 / 1.96; } ///< s / sqrt(N)
};

/// Accumulates samples (Welford).
class Accumulator {
public:
  void add(double v);
  std::uint64_t count() const { return n_; }
  Estimate estimate() const;

private:
  std::uint64_t n_ = 0;
  double mean_ = 0, m2_ = 0;
};

/// How a trial draws the pod's state.
enum class Draw {
  hosts, ///< every host up with probability a; a rack is healthy iff all its hosts are up
  racks  ///< every rack healthy with probability a^hosts_per_rack (the same distribution, 16x fewer draws)
};

/// The most trials a run takes: 10^8 narrow a 95 % confidence interval of a goodput to about
/// 10^-4 and take hours on one core for the default sweep (about 10^5 trials a second); more
/// would run for days without telling more.
inline constexpr std::uint64_t kMaxTrials = 100'000'000;

struct AvailConfig {
  PodLayout pod;
  std::vector<double> host_availability{0.99, 0.995, 0.999};
  std::vector<unsigned> slice_chips{64, 128, 256, 512, 1024, 2048, 4096};
  std::uint64_t trials = 20000;
  std::uint64_t seed = 1;
  Draw draw = Draw::hosts;
  Packer packer = Packer::optimal;
};

/// Throws std::invalid_argument (one line) for bad availabilities, sizes, pods or trials.
void validate(const AvailConfig& c);

/// One (availability, slice size) point.
struct AvailPoint {
  double host_availability = 0;
  double rack_availability = 0;
  unsigned slice_chips = 0;
  unsigned cubes = 0;
  CubeBox shape;               ///< in cubes
  Estimate ocs, noocs;         ///< goodput
  Estimate ocs_fit, noocs_fit; ///< P(at least one slice fits)
  double ocs_closed = 0, ocs_fit_closed = 0;
  std::optional<double> noocs_closed, noocs_fit_closed;
  std::uint64_t dominance_violations = 0; ///< trials where no-OCS goodput > OCS goodput (must be 0)
  std::uint64_t search_unfinished = 0;    ///< optimal packer: trials that hit the node budget (must be 0)
};

struct AvailResult {
  AvailConfig config;
  std::vector<AvailPoint> points; ///< by availability, then by size, in the order given
  double wall_seconds = 0;
};

/// Runs the Monte Carlo. Every trial draws one pod state per availability from the same uniform
/// numbers (common random numbers: a host up at a is up at every a' > a, so the curves are coupled
/// and per-trial monotone in a for OCS), and evaluates every size and both schedulers on it.
/// `progress(done, total)` is called now and then with trials done.
AvailResult run_availability(const AvailConfig& c,
                             const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

/// A unit (host or rack) that draws the uniform 64-bit number u is up iff u <= unit_threshold(p):
/// floor(p 2^64) - 1, clamped to 0..2^64-1, so p = 1 is always up. Exposed for tests.
std::uint64_t unit_threshold(double probability);

} // namespace phtpu::model
