// The processes that step one pod together (MPI ranks; Open MPI's `mpirun -np R phtpu pod ...`).
// Rank r owns a contiguous block of the pod's racks and evaluates only their chips; every rank
// holds every OCS model and runs the same driver program (host programs, checks), so that every
// query the driver makes has one answer on all ranks: each collective operation below is
// called by every rank at the same point of that program.
//
// Without MPI at build time (CMake did not find it), or when the process was not started by
// mpirun, there is one rank and nothing here calls MPI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace phtpu::pod {

class Ranks {
public:
  /// One process.
  Ranks() = default;
  /// The world: MPI_COMM_WORLD when this process was started by mpirun (MPI is initialised on
  /// the first call and finalised at exit), otherwise one rank.
  static Ranks& world();
  /// True when the build has MPI.
  static bool have_mpi();

  unsigned rank() const { return rank_; }
  unsigned size() const { return size_; }
  bool many() const { return size_ > 1; }

  /// Every rank's bytes, concatenated in rank order, on every rank.
  std::vector<std::uint8_t> allgather(const std::vector<std::uint8_t>& mine) const;
  /// Element-wise sum (max) over the ranks, in place.
  void sum(std::uint64_t* v, std::size_t n) const;
  void max(std::uint64_t* v, std::size_t n) const;
  /// sum() over scattered counters (a struct's fields), in one reduction.
  void sum_each(std::initializer_list<std::uint64_t*> fields) const;
  /// `bytes` at p from rank `root` to every rank.
  void bcast(void* p, std::size_t bytes, unsigned root) const;
  /// Stop every rank at once (a failure on one rank would leave the others waiting).
  [[noreturn]] void abort(int code) const;

private:
  unsigned rank_ = 0, size_ = 1;
};

} // namespace phtpu::pod
