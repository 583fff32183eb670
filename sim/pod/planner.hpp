// The OCS planner: how a scaled TPU v4 pod's racks, OCSes and slices are wired
// (reference/tpuv4-facts.md §3 "OCS wiring", DESIGN.md §3-§4).
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

#include <stdexcept>
#include <string>
#include <vector>

namespace phtpu::pod {

using phext::Vec3;

/// Thrown for impossible pods and slices; the message is one line.
class PlanError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

struct SliceSpec {
  Vec3 shape{4, 4, 4}; ///< chips
  bool twisted = false;
  std::string str() const; ///< "4x4x8" or "4x4x8:twisted"
};
/// "4x4x8" or "4x4x8:twisted" (also ":t"); throws PlanError.
SliceSpec parse_slice(const std::string& text);
Vec3 parse_shape(const std::string& text); ///< "2x2x2"; throws PlanError

struct PodSpec {
  unsigned cube = 2;            ///< chips per cube edge: 2 (scaled) or 4 (TPU v4)
  unsigned racks = 8;           ///< racks (cubes) in the pod, 1..64
  unsigned spares = 0;          ///< racks kept out of every slice (hot standbys)
  unsigned electrical_latency = 1; ///< cycles, in-cube links
  unsigned optical_latency = 4;    ///< cycles, chip to chip through an OCS
  unsigned settle_cycles = 64;     ///< OCS mirror settle time in cycles (ms in reality)
  std::vector<SliceSpec> slices;
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
};

} // namespace phtpu::pod
