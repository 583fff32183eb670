// The transformer step model (sim/model/workload_model.hpp) against hand-computed values:
// parameter and FLOP counts by the formulas of docs/workloads.md, a one-chip step matmul by
// matmul from the MXU tile's cycle formula, the memory of a 175B mapping, the tensor group's
// collective against one built by hand, and the mappings and their rules.
#include "calibration.hpp"
#include "collective_model.hpp"
#include "compare_model.hpp"
#include "workload_model.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace phtpu;
using model::Axis;
using net::Topology;

TEST_CASE("transformer: parameters and model FLOPs by hand", "[workload]") {
  // GPT-3 175B: per layer 4 d^2 + 2 d f + 9 d + f with d = 12288, f = 49152:
  // 603,979,776 + 1,207,959,552 + 110,592 + 49,152 = 1,812,099,072; x 96 = 173,961,510,912;
  // + V d = 617,558,016, s d = 25,165,824, 2 d = 24,576
  const auto g = model::transformer_preset("gpt3-175b");
  CHECK(g.params() == 174604259328.0);
  CHECK(std::abs(g.params() / 175e9 - 1) < 0.003); // the paper's "175B"
  // GPT-3 125M: (2,359,296 + 4,718,592 + 6,912 + 3,072) x 12 + 38,597,376 + 1,572,864 + 1,536
  CHECK(model::transformer_preset("gpt3-125m").params() == 125226240.0);
  // a toy: L 1, d 4, a 1, s 2, V 3, f 16, B 1: 64 + 128 + 36 + 16 + 12 + 8 + 8 = 272 parameters;
  // 2 tokens x (6 x (272 - 8) + 12 x 1 x 2 x 4) = 3360 FLOPs
  model::TransformerConfig toy{"toy", 1, 4, 1, 2, 3, 16, 1};
  CHECK(toy.params() == 272);
  CHECK(toy.step_flops() == 3360);
  CHECK_THROWS_WITH(model::transformer_preset("gpt5"), Catch::Contains("gpt3-175b"));
}

TEST_CASE("every preset's width is a whole number of its heads (the search refuses it otherwise)", "[workload]") {
  for (const auto& p : model::transformer_presets()) {
    CAPTURE(p.name);
    CHECK(p.d_model % p.heads == 0);
  }
}

TEST_CASE("a lookup unit's row fetches: a row once per dedup window, windows of a given number of rows", "[workload]") {
  // windows of 2 rows: 5 | 5 hit, 7 -> window {5, 7} closes | 5 fetched again, 5 hit, 9 -> closes | 7
  CHECK(model::sparsecore_fetches({5, 5, 7, 5, 5, 9, 7}, 2) == 5);
  // one window big enough for all: the distinct ids
  CHECK(model::sparsecore_fetches({5, 5, 7, 5, 5, 9, 7}, 100) == 3);
  // windows of 1 row close at every fetch: every lookup fetches
  CHECK(model::sparsecore_fetches({1, 1, 2, 1}, 1) == 4);
  CHECK_THROWS_AS(model::sparsecore_fetches({1}, 0), std::invalid_argument);
}

TEST_CASE("mappings: 27 assignments, parsed strictly", "[workload]") {
  std::set<std::string> s;
  for (const auto& m : model::all_mappings()) s.insert(m.str());
  CHECK(s.size() == 27);
  const auto m = model::parse_mapping("z=P,x=tensor,y=D");
  CHECK(m.dim[0] == Axis::Tensor);
  CHECK(m.dim[1] == Axis::Data);
  CHECK(m.dim[2] == Axis::Pipeline);
  CHECK(m.str() == "x=T y=D z=P");
  for (const char* bad : {"", "x=T", "x=T,y=D,z=Q", "x=T,x=D,z=P", "w=T,y=D,z=P", "x=T,y=D,z=P,", "xT,y=D,z=P"})
    CHECK_THROWS_AS(model::parse_mapping(bad), std::invalid_argument);
}

TEST_CASE("groups: the torus of the axis's dimensions", "[workload]") {
  const Topology t = Topology::torus({8, 4, 16});
  CHECK(model::group_topology(t, 1).shape() == phext::Vec3{8, 1, 1});
  CHECK(model::group_topology(t, 1).wraps(0));
  CHECK(model::group_topology(t, 6).shape() == phext::Vec3{1, 4, 16});
  CHECK(model::group_topology(t, 0).nodes() == 1);
  const Topology tw = Topology::torus({4, 4, 8}, true);
  CHECK(model::group_topology(tw, 7).twist() == tw.twist());
  CHECK(model::group_topology(tw, 3).twist() == net::Twist::None);
  CHECK(!model::group_topology(Topology::mesh({2, 2, 2}), 1).wraps(0));
}

TEST_CASE("a one-chip step, matmul by matmul, from the MXU tile's formula", "[workload]") {
  // L 1, d 128, one head of 128, f 512, s 128, V 128, B 1 on one TPU v4 chip: every matmul has
  // M = 128 rows and at most 8 tiles of 128 x 128, one per MXU, so each takes 128 + (128 + 3) +
  // (2 x 128 + 2) = 517 cycles: QKV, scores, context, output, MLP up and down (6 x 517 = 3102)
  // and the LM head (517); forward once and backward twice: 3 x 3619 = 10857 cycles
  model::TransformerConfig c{"small", 1, 128, 1, 128, 128, 512, 1};
  const auto wm = model::tpu_v4_workload_machine();
  const auto e = model::transformer_step(c, Topology::mesh({1, 1, 1}), model::Mapping{}, wm);
  REQUIRE(e.valid);
  REQUIRE(e.fits);
  CHECK(e.microbatches == 1);
  CHECK(e.compute_s == Approx(10857 / 1.05e9).epsilon(1e-12));
  CHECK(e.tensor_s == 0);
  CHECK(e.pipeline_s == 0);
  CHECK(e.bubble_s == 0);
  CHECK(e.data_s == 0);
  // Adam: 32 B per parameter at 1200 GB/s; 198,272 in the layer, 2 x 16,384 embeddings, 256
  CHECK(e.optimizer_s == Approx(32.0 * 231296 / 1200e9).epsilon(1e-12));
  CHECK(e.step_s == Approx(10857 / 1.05e9 + 32.0 * 231296 / 1200e9).epsilon(1e-12));
  CHECK(e.mfu == Approx(c.step_flops() / e.step_s / (2.0 * 128 * 128 * 8 * 1.05e9)).epsilon(1e-12));
  // recomputation: selective runs the attention core (scores, context: 2 x 517) again, full the
  // whole layer's forward (3102); activations per layer 128 x 128 x (10 + 24 + 5 x 128 / 128) B
  // kept, 128 x 128 x 34 selectively, the input's 2 x 128 x 128 fully
  const auto sel = model::transformer_step(c, Topology::mesh({1, 1, 1}), model::Mapping{}, wm, model::Recompute::Selective);
  const auto full = model::transformer_step(c, Topology::mesh({1, 1, 1}), model::Mapping{}, wm, model::Recompute::Full);
  CHECK(sel.compute_s == Approx((10857 + 2 * 517) / 1.05e9).epsilon(1e-12));
  CHECK(full.compute_s == Approx((10857 + 3102) / 1.05e9).epsilon(1e-12));
  CHECK(e.memory_bytes == 16.0 * 231296 + 128.0 * 128 * 39);
  CHECK(sel.memory_bytes == 16.0 * 231296 + 128.0 * 128 * 34);
  CHECK(full.memory_bytes == 16.0 * 231296 + 2.0 * 128 * 128);
  CHECK(model::recompute_from_name("selective") == model::Recompute::Selective);
  CHECK_THROWS_AS(model::recompute_from_name("some"), std::invalid_argument);
}

TEST_CASE("GPT-3 175B on 512 chips: memory, rules, and the collectives on their groups", "[workload]") {
  const auto g = model::transformer_preset("gpt3-175b");
  const auto wm = model::tpu_v4_workload_machine();
  const Topology cube8 = Topology::torus({8, 8, 8});
  // T 8 (x), D 8 (y), P 8 (z): 12 layers of 1,812,099,072 / 8, embeddings / 8, 2 d:
  // 2,798,513,664 parameters, 16 B each; activations of 8 microbatches of one sequence, 12
  // layers of 2048 x 12288 x (10 + 3 + 5 x 96 x 2048 / (12288 x 8)) = 578,813,952 B
  const auto e = model::transformer_step(g, cube8, model::parse_mapping("x=T,y=D,z=P"), wm);
  CHECK(e.valid);
  CHECK(e.data == 8);
  CHECK(e.tensor == 8);
  CHECK(e.pipeline == 8);
  CHECK(e.microbatches == 1536 / 8);
  CHECK(e.memory_bytes == 16.0 * 2798513664.0 + 578813952.0 * 12 * 8);
  CHECK(!e.fits);
  CHECK_THAT(e.why, Catch::Contains("GiB"));
  // T 64 does not divide 96 heads; P 64 not 96 layers; D 512 divides 1536 sequences but does
  // not fit
  CHECK_THAT(model::transformer_step(g, cube8, model::parse_mapping("x=T,y=T,z=P"), wm).why, Catch::Contains("heads"));
  CHECK_THAT(model::transformer_step(g, cube8, model::parse_mapping("x=T,y=P,z=P"), wm).why, Catch::Contains("layers"));
  CHECK(!model::transformer_step(g, cube8, model::Mapping{}, wm).fits);

  // 4x8x16, T 32 over x and y, P 16 over z, the attention core recomputed: the tensor
  // all-reduces are 4 per layer and microbatch, each of 2048 x 12288 x 2 B over the 4 x 8
  // torus built here by hand (without recomputation its activations do not fit: 6 layers x 16
  // microbatches x 2048 x 12288 x (10 + 24/32 + 5 x 96 x 2048 / (12288 x 32)) B = 32 GB)
  const Topology t = Topology::torus({4, 8, 16});
  CHECK(!model::transformer_step(g, t, model::parse_mapping("x=T,y=T,z=P"), wm).fits);
  const auto f = model::transformer_step(g, t, model::parse_mapping("x=T,y=T,z=P"), wm, model::Recompute::Selective);
  REQUIRE(f.valid);
  CHECK(f.fits);
  const double ar = model::analytic_estimate(model::Collective::AllReduce, Topology::torus({4, 8, 1}), 2048.0 * 12288 * 2,
                                             wm.net).seconds;
  CHECK(f.tensor_s == Approx(1536.0 * 4 * (96 / 16) * ar).epsilon(1e-9));
  CHECK(f.data_s == 0); // D = 1
  // the bubble is P - 1 of the m stage times
  CHECK(f.bubble_s == Approx(15.0 / 1536 * (f.compute_s + f.tensor_s + f.pipeline_s)).epsilon(1e-9));
  CHECK(f.step_s == Approx(f.compute_s + f.tensor_s + f.pipeline_s + f.bubble_s + f.data_exposed_s + f.optimizer_s)
                        .epsilon(1e-9));
  CHECK(f.mfu > 0);
  CHECK(f.mfu < 1);
}

TEST_CASE("DLRM: the MLPerf model's sizes by hand, and its step's parts on their models", "[workload]") {
  const auto c = model::dlrm_preset("dlrm-mlperf");
  CHECK(c.tables.size() == 26);
  CHECK(c.embedding_elements() == 187767399.0 * 128); // the 26 tables' rows
  CHECK(c.interaction_width() == 27 * 26 / 2 + 128);   // 479, the reference's top MLP input
  // bottom 13-512-256-128: 7,168 + 131,328 + 32,896; top 479-1024-1024-512-256-1: 491,520 +
  // 1,049,600 + 524,800 + 131,328 + 257
  CHECK(c.mlp_params() == 171392.0 + 2197505.0);
  CHECK_THROWS_WITH(model::dlrm_preset("dlrm-v9"), Catch::Contains("dlrm-mlperf"));

  const auto wm = model::tpu_v4_workload_machine();
  const Topology t = Topology::torus({4, 4, 8});
  const auto e = model::dlrm_step(c, t, wm);
  // 65,536 x 26 / 128 = 13,312 rows a chip serves, forward and backward
  const double rows = 65536.0 * 26 / 128;
  CHECK(e.lookup_s == Approx(2 * rows / model::sparsecore_rate(128, 4, 1, 128, model::SparseCoreConfig{}).lookups_per_s));
  CHECK(e.alltoall_s ==
        Approx(2 * model::analytic_estimate(model::Collective::AllToAll, t, rows * 128 * 4, wm.net).seconds).epsilon(1e-12));
  CHECK(e.memory_bytes == 8.0 * 187767399 * 128 / 128 + 8.0 * 2368897);
  CHECK(e.fits);
  CHECK(e.step_s == Approx(e.lookup_s + e.alltoall_s + e.mlp_s + e.allreduce_exposed_s).epsilon(1e-12));
  // the twisted torus's all-to-all is faster (docs/model.md), so is its step; on one chip the
  // tables do not fit
  CHECK(model::dlrm_step(c, Topology::torus({4, 4, 8}, true), wm).step_s < e.step_s);
  CHECK(!model::dlrm_step(c, Topology::mesh({1, 1, 1}), wm).fits);
}

// ---- the machines beside TPU v4 (sim/model/compare_model.hpp) --------------------------------
TEST_CASE("compare: the machines' peaks from their arrays, and their slices", "[workload][compare]") {
  // TPU v3's real MXUs: 4 x 128 x 128 x 2 x 0.94 GHz = 123.208 TFLOP/s, the published 123 (§C2)
  const model::Accelerator& v3 = model::accelerator("v3");
  const auto peak = [](const model::MxuConfig& c) { return 2.0 * c.n * c.n * c.mxus * c.clock_hz; };
  CHECK(peak(v3.wm.mxu) == Approx(123.20768e12).epsilon(1e-12));
  CHECK(std::abs(peak(v3.wm.mxu) / v3.peak_flops.value - 1) < 0.002);
  // A100 and IPU Bow: arrays of the clock that gives the published peak, exactly
  CHECK(peak(model::accelerator("a100").wm.mxu) == Approx(312e12).epsilon(1e-12));
  CHECK(peak(model::accelerator("ipu-bow").wm.mxu) == Approx(275.25e12 / 1.10).epsilon(1e-12));
  CHECK(peak(model::accelerator("v4").wm.mxu) == Approx(275.2512e12).epsilon(1e-12)); // 8 x 128^2 x 2 x 1.05 GHz
  CHECK_THROWS_AS(model::accelerator("h100"), std::invalid_argument);
  // slices of 512 chips: TPU v4 8x8x8 and 4x8x16; TPU v3 only 16x32 (2D, X <= Y <= 32); A100
  // nodes of 8 in 1x64, 2x32, 4x16, 8x8; IPU Bow machines of 4 in 1x128, 2x64, 4x32, 8x16
  auto labels = [](const std::vector<net::Topology>& ts) {
    std::set<std::string> s;
    for (const auto& t : ts) s.insert(phext::shape_str(t.shape()));
    return s;
  };
  CHECK(labels(model::accelerator_slices(model::accelerator("v4"), 512)) == std::set<std::string>{"8x8x8", "4x8x16"});
  CHECK(labels(model::accelerator_slices(v3, 512)) == std::set<std::string>{"16x32x1"});
  CHECK(labels(model::accelerator_slices(model::accelerator("a100"), 512)) ==
        std::set<std::string>{"8x1x64", "8x2x32", "8x4x16", "8x8x8"});
  CHECK(labels(model::accelerator_slices(model::accelerator("ipu-bow"), 512)) ==
        std::set<std::string>{"4x1x128", "4x2x64", "4x4x32", "4x8x16"});
  CHECK(model::accelerator_slices(v3, 2048).empty());                         // above its 1024
  CHECK(model::accelerator_slices(model::accelerator("ipu-bow"), 2048).empty()); // above Bow Pod1024
  CHECK(model::accelerator_slices(model::accelerator("a100"), 12).empty());   // not whole nodes
}

TEST_CASE("compare: a switched fabric's collectives by hand", "[workload][compare]") {
  model::Machine m = model::accelerator("a100").wm.net; // nodes of 8, 300 GB/s in, 25 GB/s out, 2 us a step
  const double B = 1 << 20;
  // inside a node (8 x 1 x 1): all-reduce 2 (7/8) B / 300 GB/s + 14 steps
  const auto in = model::analytic_estimate(model::Collective::AllReduce, net::Topology::mesh({8, 1, 1}), B, m);
  CHECK(in.seconds == Approx(2 * 7.0 / 8 * B / 300e9 + 14 * 2e-6).epsilon(1e-12));
  // across two nodes (8 x 2 x 1, 16 chips): the fabric's rate, 30 steps
  const auto across = model::analytic_estimate(model::Collective::AllReduce, net::Topology::mesh({8, 2, 1}), B, m);
  CHECK(across.seconds == Approx(2 * 15.0 / 16 * B / 25e9 + 30 * 2e-6).epsilon(1e-12));
  const auto rs = model::analytic_estimate(model::Collective::ReduceScatter, net::Topology::mesh({8, 2, 1}), B, m);
  CHECK(rs.seconds == Approx(15.0 / 16 * B / 25e9 + 15 * 2e-6).epsilon(1e-12));
  // all-to-all on 4 nodes (8 x 4 x 1, 32 chips): blocks of B/32, 7 inside at 300 GB/s and 24
  // outside at 25 GB/s at once: the fabric's 24 B/32 / 25 GB/s, and one step
  const auto a2a = model::analytic_estimate(model::Collective::AllToAll, net::Topology::mesh({8, 4, 1}), B, m);
  CHECK(a2a.seconds == Approx(24 * B / 32 / 25e9 + 2e-6).epsilon(1e-12));
  CHECK_THROWS_AS(model::network_estimate(model::Collective::AllReduce, net::Topology::mesh({8, 1, 1}), B, m),
                  std::invalid_argument);
  // a pipeline stage's send to the next node, and inside one
  CHECK(model::neighbour_send_seconds(m, B, true) == Approx(B / 25e9 + 2e-6).epsilon(1e-12));
  CHECK(model::neighbour_send_seconds(m, B, false) == Approx(B / 300e9 + 2e-6).epsilon(1e-12));
}

TEST_CASE("compare: the best mapping, energy and the fabric's power by hand", "[workload][compare]") {
  // the best GPT-3 175B step on 512 TPU v4 chips is the search's (docs/workloads.md): 4x8x16,
  // x and y pipeline, z tensor, selective recomputation
  const auto cfg = model::transformer_preset("gpt3-175b");
  const model::Accelerator& v4 = model::accelerator("v4");
  const model::StepEstimate best = model::best_transformer_step(cfg, model::accelerator_slices(v4, 512), v4.wm);
  const model::StepEstimate named = model::transformer_step(cfg, net::Topology::torus({4, 8, 16}),
                                                            model::parse_mapping("x=P,y=P,z=T"), v4.wm,
                                                            model::Recompute::Selective);
  CHECK(best.step_s == named.step_s);
  CHECK(best.fits);
  // nothing fits the IPU's 0.9 GB: the candidate that says why is the one closest to fitting
  const model::Accelerator& ipu = model::accelerator("ipu-bow");
  const model::StepEstimate none = model::best_transformer_step(cfg, model::accelerator_slices(ipu, 512), ipu.wm);
  CHECK_FALSE(none.fits);
  CHECK(none.why.find("0.838 GiB") != std::string::npos);
  // a day on 512 chips of 197 W: 86,400 x 512 x 197 / 3.6e6 = 2,420.74 kWh; x 1.10 = 2,662.81;
  // x 0.429 kg = 1,142.35 kg CO2e
  const model::RunEnergy e = model::run_energy(86400, 512, 197, 1.10, 0.429);
  CHECK(e.chip_kwh == Approx(2420.736).epsilon(1e-9));
  CHECK(e.facility_kwh == Approx(2662.8096).epsilon(1e-9));
  CHECK(e.co2e_kg == Approx(1142.3453).epsilon(1e-7));
  // the default grid intensity is Patterson et al.'s GPT-3 figures' ratio (§C6)
  CHECK(std::abs(model::kDefaultGridKgPerKwh - 552.0 / 1287.0) < 0.0005);
  // 512 chips are an eighth of the pod: 6 of its 48 OCSes, 648 W, against 18,000 W
  const model::FabricPower f = model::fabric_power(512);
  CHECK(f.ocs_w == Approx(648));
  CHECK(f.packet_w == Approx(18000));
  CHECK(f.ocs_per_chip_w == Approx(648.0 / 512));
}
