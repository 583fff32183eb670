// The OCS planner: how a scaled TPU v4 pod's racks, OCSes and slices are wired
// (TPU v4's OCS wiring: docs/references.md §T2; logical and physical cubes: docs/architecture.md).
//
// Physical side. A pod has R racks, each one cube of C x C x C chips (C = 2 or 4; TPU v4: 4,
// 64 racks). Links inside a cube are electrical. Every cube face has C*C links; for every
// dimension d and every position i on a face there is one OCS, OCS(d, i), which receives link i
// of the +d face and link i of the -d face of every rack: port 2r is rack r's +d link i, port
// 2r+1 its -d link i. So there are 3*C*C OCSes of 2R ports (TPU v4: 48 OCSes of 128 ports).
// Face position of a chip at local (lx, ly, lz): i = a + C*b, where (a, b) are its two
// coordinates other than d in x, y, z order.
//
// Logical side. A slice is a torus of whole cubes (shape C*i x C*j x C*k chips; regular, or
// twisted n x n x 2n / n x 2n x 2n), its own Z arm (datacenter.pod.slice) and its logical
// cubes (the phext Y arm) mapped to racks. The wiring comes from the one place that says where
// a link goes, net::Topology: for every chip on a +d face, the link leaving through +d reaches
// the topology's neighbour; that chip sits on the -d face of its cube at the same face
// position (twist shifts are whole cubes), so OCS(d, i) joins port 2*rack(A) with port
// 2*rack(B)+1. A ring of cubes along d is closed by the same OCS; a twisted wrap just picks
// another partner cube. Ports of racks outside every slice (spares, idle) stay unconnected.
#pragma once

#include "chip_address.hpp"
#include "topology.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace phtpu::pod {

using phext::Vec3;

/// Thrown for impossible pods and slices; the message is one line.
class PlanError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

/// The latest cycle a fault may be scheduled at (counted from the fault run's start): a run of
/// the scaled pod takes seconds per 10,000 cycles.
inline constexpr std::uint64_t kMaxFaultCycle = 10'000'000;

struct SliceSpec {
  Vec3 shape{4, 4, 4}; ///< chips
  bool twisted = false;
  std::string str() const; ///< "4x4x8" or "4x4x8:twisted"
};
/// "4x4x8" or "4x4x8:twisted" (also ":t"); throws PlanError.
SliceSpec parse_slice(const std::string& text);
Vec3 parse_shape(const std::string& text); ///< "2x2x2"; throws PlanError

/// A pod to build. The member defaults and default_slices() are THE default pod (`phtpu pod`
/// without --config takes them from here): 11 racks of 2x2x2 chips, a 4x4x4 slice and a
/// twisted 2x2x4 one, the 11th rack free. pods/small.json writes the same pod out, with that
/// rack as a spare.
struct PodSpec {
  unsigned cube = 2;            ///< chips per cube edge: 2 (scaled) or 4 (TPU v4)
  unsigned racks = 11;          ///< racks (cubes) in the pod, 1..64
  unsigned spares = 0;          ///< racks kept out of every slice (hot standbys)
  unsigned electrical_latency = 1; ///< cycles, in-cube links
  unsigned optical_latency = 4;    ///< cycles, chip to chip through an OCS
  unsigned settle_cycles = 64;     ///< OCS mirror settle time in cycles (ms in reality)
  /// Fault detection (pod.hpp, "Faults"): cycles from a link losing its far end (chip, link or
  /// OCS port failed) to the surviving receiver's loss-of-signal dropping its link_up_i; 0
  /// models no loss-of-signal detection, so only the timeout finds faults.
  unsigned los_cycles = 16;
  /// A slice whose hosts wait while no flit moves in it for this many cycles has timed out
  /// (the software watchdog; only armed once a fault has been injected). 0: off.
  unsigned timeout_cycles = 2000;
  /// The link layer (rtl/ici/ici_link.sv) at every chip port (phtpu pod --ber): flits cross the
  /// links in CRC-checked, numbered frames that are replayed until acknowledged; each wire bit
  /// flips with probability `ber`, `burst` bits at a time, from streams seeded by noise_seed.
  /// Off: ideal wires. A link end that gives up goes down: loss of signal at its chip.
  bool link_layer = false;
  double ber = 0;
  unsigned burst = 1;
  std::uint64_t noise_seed = 1;
  std::vector<SliceSpec> slices; ///< none by default: add them, or take default_slices()
  static std::vector<SliceSpec> default_slices() { return {SliceSpec{{4, 4, 4}, false}, SliceSpec{{2, 2, 4}, true}}; }
  unsigned datacenter = 1, pod = 1; ///< the Z arm's first two fields
  void validate() const;            ///< throws PlanError
};

/// Racks x faces: OCS(d, i) has index d * C*C + i.
struct SlicePlan {
  SliceSpec spec;
  phext::SliceGeometry geo;
  net::Topology topo;
  std::vector<unsigned> rack_of_cube; ///< logical cube cx + nx*(cy + ny*cz) -> rack
};

/// A part that fails at a given cycle (pod.hpp, "Faults", says what each kind does).
enum class FaultKind : std::uint8_t { Chip, Link, OcsPort, Rack };
struct Fault {
  FaultKind kind = FaultKind::Chip;
  unsigned chip = 0;              ///< Chip, Link: the physical chip
  unsigned port = 0;              ///< Link: the chip's link port, 0..5 = +x -x +y -y +z -z
  unsigned ocs = 0, ocs_port = 0; ///< OcsPort: OCS index (Plan::ocs_of) and its port
  unsigned rack = 0;              ///< Rack
  std::uint64_t cycle = 0;        ///< the cycle from which the part is dead
  /// "chip 5", "link 5.+x", "ocs x.3 port 4", "rack 2" (cube: chips per cube edge, for OCS names).
  std::string str(unsigned cube) const;
};
std::string fault_kind_name(FaultKind k); ///< "chip", "link", "ocs-port", "rack"

struct ChipSite {
  int slice = -1;  ///< -1: a spare or idle rack
  unsigned rack = 0;
  Vec3 local;      ///< position in its cube
  Vec3 global;     ///< position in its slice (meaningful when slice >= 0)
};

class Plan {
public:
  explicit Plan(const PodSpec& spec);

  const PodSpec& spec() const { return spec_; }
  unsigned cube() const { return spec_.cube; }
  unsigned chips_per_rack() const { return spec_.cube * spec_.cube * spec_.cube; }
  unsigned chip_count() const { return spec_.racks * chips_per_rack(); }
  unsigned ocs_count() const { return 3 * spec_.cube * spec_.cube; }
  unsigned ocs_ports() const { return 2 * spec_.racks; }
  const std::vector<SlicePlan>& slices() const { return slices_; }
  const ChipSite& site(unsigned chip) const { return sites_.at(chip); }

  /// Physical chip number: rack * C^3 + lx + C*(ly + C*lz).
  unsigned chip_of(unsigned rack, Vec3 local) const;
  /// The chip at global position g of slice s.
  unsigned chip_at(unsigned slice, Vec3 g) const;
  /// Every chip of slice s, by global position index (x + X*(y + Y*z)).
  std::vector<unsigned> slice_chips(unsigned slice) const;
  /// The logical phext coordinate of a chip in a slice.
  phext::Coordinate coordinate(unsigned chip) const;
  /// The chip at a logical coordinate (its Z arm names the slice); throws PlanError.
  unsigned chip_of_coordinate(const phext::Coordinate& c) const;

  static unsigned face_index(int dim, Vec3 local, unsigned cube);
  unsigned ocs_of(int dim, unsigned face) const { return static_cast<unsigned>(dim) * spec_.cube * spec_.cube + face; }
  /// The peer port of OCS o's port p, or -1 when unconnected.
  int peer(unsigned ocs, unsigned port) const { return peer_.at(ocs).at(port); }
  const std::vector<std::vector<int>>& peers() const { return peer_; }

  /// Re-plan slice s with a new shape or twist on the same racks (same cube count); the pod's
  /// other slices keep their circuits. Throws PlanError.
  Plan with_slice(unsigned s, const SliceSpec& spec) const;

  /// Fault repair: slice s's logical cube held by rack `failed` moves to a spare
  /// rack (`spare`, or the first healthy unused one of the pod's last spec().spares racks); every
  /// chip position keeps its logical phext coordinate, the spare's chips take the failed
  /// ones'. The failed rack leaves every slice and is never used as a spare again. The other
  /// slices keep their circuits. Throws PlanError (no such rack, in no slice, no spare left).
  Plan with_rack_replaced(unsigned failed, int spare = -1) const;
  /// The rack a repair replaces for `f`: the failed chip's, the link's chip's, the OCS port's
  /// (port 2r and 2r+1 belong to rack r), the rack itself. Throws PlanError when out of range.
  unsigned rack_of(const Fault& f) const;
  /// The slice rack r serves, or -1 (a spare, idle or failed rack).
  int slice_of_rack(unsigned r) const;
  /// Spare racks still usable (unused, not failed), in order.
  std::vector<unsigned> spare_racks() const;
  const std::vector<unsigned>& failed_racks() const { return failed_; }
  /// "x.3" for OCS index o.
  std::string ocs_name(unsigned o) const;

  /// OCS configuration, slices and every slice chip's routing configuration as JSON; the
  /// routing configurations as a phext document, one scroll per logical coordinate.
  nlohmann::json to_json() const;
  std::string routing_phext() const;
  /// One line per OCS: "ocs x.3: 0<->5 1<->4 ..." (connected ports only).
  std::string ocs_text() const;

private:
  void wire_slice(unsigned s);
  nlohmann::json chip_json(unsigned chip) const;
  PodSpec spec_;
  std::vector<SlicePlan> slices_;
  std::vector<ChipSite> sites_;
  std::vector<std::vector<int>> peer_;
  std::vector<unsigned> failed_; ///< racks replaced after a fault
};

/// A fault from text: "chip:N@C" (N a chip number or a logical phext coordinate), "link:N.P@C"
/// (P one of +x -x +y -y +z -z), "ocs:D.I:P@C" (OCS of dimension D = x|y|z and face position I,
/// port P), "rack:R@C"; C is the cycle. Checked against `plan`; throws PlanError (one line).
Fault parse_fault(const std::string& text, const Plan& plan);
/// A link end of the plan, "N.P": chip N (a number or a logical phext coordinate) and its port P,
/// one of +x -x +y -y +z -z (0..5). PlanError, one line, for anything else.
std::pair<unsigned, unsigned> parse_link(const std::string& text, const Plan& plan);

} // namespace phtpu::pod
