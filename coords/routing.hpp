// The routing oracle: the one next-hop function (output port and virtual channel) of the ICI
// router for every supported topology. The RTL (rtl/ici/ici_pkg.sv, ici_pkg::route) computes
// the same function and the tests compare the two flit by flit.
//
// Minimal dimension-order routing on the unrolled grid (see topology.hpp, "the shifts as a
// lattice"):
//   1. The offset Δ from here to the destination is chosen among all its representatives
//      (d - p) + a*Wx + b*Wy + c*Wz by smallest |Δx|+|Δy|+|Δz|; ties go to the
//      lexicographically largest (Δx, Δy, Δz) (so "+" wins a tie between + and - along x).
//      Dimensions without wrap links take a (resp. b, c) = 0. Lexicographic order is
//      translation invariant, so the offset chosen at the next hop is Δ minus the step just
//      taken: every packet from one source to one destination follows one path.
//   2. The packet moves along the first non-zero component of Δ (x, then y, then z) in its
//      sign's direction; Δ = 0 means deliver to the local port.
//
// Message classes and virtual channels. Requests (write, fp32-add, read request, embedding-row
// request) and responses (read data, embedding rows) travel in separate virtual networks: with
// 4 VCs, class c owns VCs 2c and 2c+1 (its own dateline pair); with 2 VCs both classes share
// VCs 0 and 1 (the bare network harness, and the negative control of the protocol check). A
// packet keeps its class from injection to ejection. Within its pair:
//   - A packet whose remaining path along the dimension it is entering crosses the wrap link
//     (the dimension's dateline) uses the pair's VC 0 up to the wrap link and VC 1 from the
//     wrap link on (the wrap link itself is taken on VC 1).
//   - A packet that does not cross the wrap link in that dimension uses the pair's
//     VC (destination coordinate along that dimension) mod 2 for the whole dimension, which
//     spreads load over both.
//   - Going straight on in the same dimension keeps the VC the packet arrived on, except that
//     taking the wrap link moves it to the pair's VC 1. Entering a new dimension (or the
//     network, from the local port) chooses afresh by the two rules above.
//   - Delivery to the local port keeps the arrival VC.
// Why it is acyclic: within one dimension, VC 0 is only ever followed into a wrap link by
// switching to VC 1, and no packet on VC 1 takes a wrap link after it has crossed one
// (minimal paths cross each dateline at most once), so every VC's channels form chains that
// end before a wrap link; across dimensions the order x -> y -> z never goes back; classes
// never share a channel. Endpoints add one dependency (protocol): a request delivered at a
// chip may need a response channel there (a read or a row lookup is answered), while a
// response is sunk unconditionally. check_channel_dependencies proves the whole graph,
// links and endpoints, acyclic per shape.
#pragma once

#include "topology.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace phtpu::net {

/// A signed offset along x, y, z.
struct Offset {
  int x = 0, y = 0, z = 0;
  int operator[](int i) const { return i == 0 ? x : i == 1 ? y : z; }
  int& operator[](int i) { return i == 0 ? x : i == 1 ? y : z; }
  int length() const; ///< |x| + |y| + |z|
  friend bool operator==(const Offset& a, const Offset& b) { return a.x == b.x && a.y == b.y && a.z == b.z; }
};

struct Hop {
  Port port = Port::Local;
  unsigned vc = 0;
  friend bool operator==(const Hop& a, const Hop& b) { return a.port == b.port && a.vc == b.vc; }
};

/// The minimal offset of rule 1 from `here` to `dest` (both inside the topology).
Offset minimal_offset(const Topology& t, Vec3 here, Vec3 dest);

/// The two message classes (the head flit's class bit, ici_pkg HeadClassBit).
enum class MsgClass : std::uint8_t { Request = 0, Response = 1 };
std::string_view class_name(MsgClass c); ///< "request", "response"
/// VCs of each class's dateline pair.
inline constexpr unsigned kVcsPerClass = 2;
/// The first VC of class `c` on a router with `num_vcs` VCs (2: shared, 4: one pair each).
inline unsigned class_vc_base(MsgClass c, unsigned num_vcs) {
  return num_vcs > kVcsPerClass ? static_cast<unsigned>(c) * kVcsPerClass : 0;
}

/// The next hop of a packet of class `cls` at `here` going to `dest`, which arrived on input
/// port `in_port` (Local when injected here) and input VC `in_vc`. num_vcs is 2 or 4, and in_vc
/// a VC of the class (std::invalid_argument otherwise).
Hop next_hop(const Topology& t, Vec3 here, Vec3 dest, Port in_port, unsigned in_vc, unsigned num_vcs,
             MsgClass cls = MsgClass::Request);

/// One hop of a whole route: the node, the port taken out of it and the VC used on that link.
struct PathHop {
  Vec3 node;
  Hop hop;
  friend bool operator==(const PathHop& a, const PathHop& b) { return a.node == b.node && a.hop == b.hop; }
  friend bool operator!=(const PathHop& a, const PathHop& b) { return !(a == b); }
};
/// The full route from `src` to `dest` by repeated next_hop (injected on input VC `inject_vc`,
/// a VC of class `cls`; default: the class's first), ending with the local delivery hop at
/// `dest`. Throws std::logic_error if it does not reach `dest` within nodes() hops (a routing bug).
std::vector<PathHop> route(const Topology& t, Vec3 src, Vec3 dest, unsigned num_vcs, unsigned inject_vc = ~0u,
                           MsgClass cls = MsgClass::Request);

/// Hop counts from `src` to every node (indexed by Topology::index), by breadth-first search
/// over the links of the topology: an independent check of minimality. (UINT_MAX would mark an
/// unreachable node; every mesh and torus is connected.)
std::vector<unsigned> bfs_distances(const Topology& t, Vec3 src);

/// Result of the channel-dependency-graph check over all source/destination pairs.
struct CdgResult {
  bool acyclic = true;
  std::size_t channels = 0;     ///< link channels x VCs that some route uses
  std::size_t dependencies = 0; ///< distinct edges (channel, VC) -> (next channel, VC)
  std::string cycle;            ///< when cyclic: the channels of one cycle, readable
};
/// Builds the dependency graph of every route between every pair of nodes (every injection VC
/// of the class) and looks for a cycle; num_vcs is 2 or 4 (std::invalid_argument otherwise).
/// Without `protocol`: link channels only (the network on its own). With
/// `protocol`: the endpoints too, for both classes: each node's injection channels (local
/// input, per VC) lead to the first link channel of each route, the last link channel to the
/// destination's ejection channel (local output, per VC), and every request ejection channel
/// of a node to every response injection channel of that node (a delivered request may wait
/// for a response to be sent); response ejection channels lead nowhere (responses are sunk
/// unconditionally). With 2 VCs the classes share their channels and that closes a cycle.
CdgResult check_channel_dependencies(const Topology& t, unsigned num_vcs, bool protocol = false);

/// The cycle finder of check_channel_dependencies, for any directed graph given as adjacency
/// lists (vertex v has edges to adjacency[v][...]; iterative, so deep graphs are fine). Returns
/// true when the graph has a cycle and then, if `cycle` is given, stores one in it as
/// v0, v1, ..., vk with edges v0 -> v1 -> ... -> vk -> v0 (a self-loop is the single v0).
bool find_cycle(const std::vector<std::vector<unsigned>>& adjacency, std::vector<unsigned>* cycle = nullptr);

} // namespace phtpu::net
