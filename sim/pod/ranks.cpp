// Ranks over MPI (ranks.hpp). Compiled with PHTPU_HAVE_MPI when CMake found MPI.
#include "ranks.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#ifdef PHTPU_HAVE_MPI
#include <mpi.h>
#endif

namespace phtpu::pod {

namespace {
/// mpirun (Open MPI, MPICH, Slurm's PMI) tells its processes their world size.
bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}
} // namespace

bool Ranks::have_mpi() {
#ifdef PHTPU_HAVE_MPI
  return true;
#else
  return false;
#endif
}

Ranks& Ranks::world() {
  static Ranks w = [] {
    Ranks r;
#ifdef PHTPU_HAVE_MPI
    if (launched_by_mpirun()) {
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided); // MPI calls come from the main thread only
      std::atexit([] {
        int done = 0;
        MPI_Finalized(&done);
        if (!done) MPI_Finalize();
      });
      int rank = 0, size = 1;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      MPI_Comm_size(MPI_COMM_WORLD, &size);
      r.rank_ = static_cast<unsigned>(rank);
      r.size_ = static_cast<unsigned>(size);
    }
#endif
    return r;
  }();
  return w;
}

std::vector<std::uint8_t> Ranks::allgather(const std::vector<std::uint8_t>& mine) const {
  if (!many()) return mine;
#ifdef PHTPU_HAVE_MPI
  const int n = static_cast<int>(mine.size());
  std::vector<int> counts(size_), displs(size_);
  MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int total = 0;
  for (unsigned r = 0; r < size_; ++r) {
    displs[r] = total;
    total += counts[r];
  }
  std::vector<std::uint8_t> all(static_cast<std::size_t>(total));
  MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, MPI_COMM_WORLD);
  return all;
#else
  return mine;
#endif
}

void Ranks::sum(std::uint64_t* v, std::size_t n) const {
  if (!many() || n == 0) return;
#ifdef PHTPU_HAVE_MPI
  MPI_Allreduce(MPI_IN_PLACE, v, static_cast<int>(n), MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
#endif
}

void Ranks::sum_each(std::initializer_list<std::uint64_t*> fields) const {
  if (!many()) return;
  std::vector<std::uint64_t> v;
  for (const std::uint64_t* f : fields) v.push_back(*f);
  sum(v.data(), v.size());
  std::size_t k = 0;
  for (std::uint64_t* f : fields) *f = v[k++];
}

void Ranks::max(std::uint64_t* v, std::size_t n) const {
  if (!many() || n == 0) return;
#ifdef PHTPU_HAVE_MPI
  MPI_Allreduce(MPI_IN_PLACE, v, static_cast<int>(n), MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
#endif
}

void Ranks::bcast(void* p, std::size_t bytes, unsigned root) const {
  if (!many()) return;
#ifdef PHTPU_HAVE_MPI
  MPI_Bcast(p, static_cast<int>(bytes), MPI_BYTE, static_cast<int>(root), MPI_COMM_WORLD);
#else
  (void)p, (void)bytes, (void)root;
#endif
}

void Ranks::abort(int code) const {
#ifdef PHTPU_HAVE_MPI
  if (many()) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

} // namespace phtpu::pod
