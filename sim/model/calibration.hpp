// Calibration of the model against the scaled pod (the RTL), and the two machines the model
// describes: the scaled pod's chip (to compare with the RTL) and TPU v4 (to extrapolate).
//
// The measurements are made by scripts/calibrate-model.sh (`phtpu pod` on slices of 16 to 1024
// chips, cubes of 2x2x2 and 4x4x4, regular and twisted: all-reduce, reduce-scatter, all-gather
// and all-to-all at 4, 16 and 64 KiB per chip, each checked bit for bit) and compiled into the
// binary (sim/model/data/calibration_pod.json).
//
// Fitting. One parameter, step_cycles (the analytic model's fixed cost per step), by least
// squares on the relative error of the ring collectives, on the FIT shapes only: the two
// smallest, 2x2x4 and 2x2x4:twisted of 2x2x2 cubes. Everything else is a design value of the
// RTL; the network model (network_sim.hpp) has no fitted value at all. Every other
// measurement, 64 to 1024 chips, is a prediction the fit never saw. The error table lists
// all of them, marked fitted or held out; "the calibration error a number rests on" is the
// largest |error| of that collective and method over all calibrated shapes.
#pragma once

#include "collective_model.hpp"

#include <functional>
#include <string>
#include <vector>

namespace phtpu::model {

struct Measurement {
  std::string shape;   ///< "4x4x8:twisted"
  unsigned cube = 2;   ///< the pod's cube edge (2 or 4)
  unsigned racks = 0;  ///< racks of the pod it ran on
  Collective collective = Collective::AllReduce;
  Algorithm algorithm = Algorithm::Default; ///< as the pod ran it (Default: the pod's default)
  double optical_latency = 4; ///< cycles of the pod's optical links in this run
  double bytes = 0;    ///< per chip
  unsigned chips = 0;
  double cycles = 0;
  /// "2x2x2/2x2x4:twisted": cube and shape (and " optical 1" for a run with other optical links)
  std::string key() const;
};

struct CalibrationSet {
  std::string source;
  double electrical_latency = 1, optical_latency = 4;
  unsigned send_lanes = 1, receive_lanes = 1; ///< the chip that was measured
  std::vector<Measurement> points;
};

const char* embedded_calibration_json(); ///< generated from sim/model/data/calibration_pod.json
/// Parse a calibration file (scripts/calibrate-model.sh's output); throws std::invalid_argument.
CalibrationSet parse_calibration(const std::string& json);

/// The scaled pod's chip: design values of the RTL (rtl/ici: 16-byte flits, one head flit per
/// packet of up to 16 words, 2 cycles per router, 8 credits per VC; rtl/chip: one word per
/// cycle per receive lane, two host writes per DMA command; the pod's 1-cycle electrical and
/// 4-cycle optical links), cubes of `cube` chips a side, step_cycles 0.
Machine rtl_machine(const CalibrationSet& set, unsigned cube = 4);
/// rtl_machine of the embedded calibration data with the fitted step (default_calibration): the
/// machine `phtpu model --machine rtl` answers with, and `phtpu pod` predicts its layers by.
Machine fitted_rtl_machine(unsigned cube = 4);

struct CalPoint {
  Measurement m;
  bool fitted = false;
  /// The run's optical links are credit-limited: a VC's credits do not cover the loop (2L + 2
  /// cycles > 8 credits), as on the pod's 4-cycle optical links.
  bool credit_limited = true;
  double analytic = 0, analytic_error = 0; ///< the analytic model (fitted step); error = model / RTL - 1
  bool network_run = false;
  double network = 0, network_error = 0;   ///< the network model
  /// What the scaled pod's machine predicts (estimate(): the network model once it has run,
  /// else the analytic model) and its error.
  double predicted() const;
  double error() const;
};

/// The default fit: the two smallest shapes.
inline const std::vector<std::string> kFitShapes{"2x2x2/2x2x4", "2x2x2/2x2x4:twisted"};

struct Calibration {
  Machine machine;                   ///< rtl_machine (4x4x4 cubes) with the fitted step
  std::vector<std::string> fit_shapes;
  std::vector<CalPoint> points;
  bool network = false;              ///< the network model's predictions were computed
  /// Largest |error| of collective c's predictions: by `method`, or (no method) of predicted().
  /// `credit_free_only`: only over the runs whose links are not credit-limited; `min_bytes`:
  /// only over messages of at least that size.
  double max_error(Collective c) const;
  double max_error(Collective c, Method method, bool credit_free_only = false, double min_bytes = 0) const;
  double max_error() const;          ///< of predicted(), every point
  double share_within(double tol) const; ///< share of points whose predicted() is within tol
};

/// Points of the network model's runs done so far, of all (called as each ends, and while a long one runs).
using CalibrationProgress = std::function<void(std::size_t done, std::size_t total)>;

/// Fit and predict every point; with `network`, also run the network model on every point, at
/// its full size, whatever it costs (minutes: the full pod's all-to-all takes about two on
/// one core; `threads` run points side by side).
Calibration calibrate(const CalibrationSet& set, const std::vector<std::string>& fit_shapes = kFitShapes,
                      bool network = true, unsigned threads = 2, const CalibrationProgress& progress = {});
/// The embedded measurements' calibration, computed once: without the network model (fast) or
/// with it (`progress` is called while the first call computes it).
const Calibration& default_calibration(bool network = false, const CalibrationProgress& progress = {});

/// The network model's largest |error| over the embedded measurements of collective c, as
/// recorded beside the data (rounded up to 0.001 %): running the network model over the whole
/// set takes a minute, too long for every query. test_model_calibration runs it and fails where
/// the recorded value is not the measured one (a changed model or data must update it).
double network_calibration_error(Collective c);

/// TPU v4 at full scale (docs/references.md; each value's source or assumption in
/// calibration.cpp). Nothing in it is fitted to the RTL.
Machine tpu_v4_machine();

} // namespace phtpu::model
