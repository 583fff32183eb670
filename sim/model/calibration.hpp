// Calibration of the analytic model against the scaled pod (the RTL), and the two machines the
// model describes: the scaled pod's chip (to compare with the RTL) and TPU v4 (to extrapolate).
//
// The measurements are made by scripts/calibrate-model.sh (`phtpu pod` on 2x2x4, 2x2x4:twisted,
// 4x4x4, 4x4x8 and 4x4x8:twisted slices of 2x2x2 cubes: all-reduce, reduce-scatter, all-gather
// and all-to-all at 4, 16 and 64 KiB per chip, each checked bit for bit) and compiled into the
// binary (sim/model/data/calibration_pod.json).
//
// Fitting. Two parameters are fitted, by least squares on the relative error, on the FIT
// shapes only (2x2x4 and 4x4x4 by default): step_cycles on the ring collectives, then
// alltoall_efficiency on the all-to-alls. The chip's receive rate is the RTL's design value
// (one 16-byte word per cycle); a fit of it lands on that value anyway. Every other measurement (4x4x8,
// 4x4x8:twisted, 2x2x4:twisted) is a prediction the fit never saw. The error table lists all of
// them, marked fitted or held out; "the calibration error a number rests on" is the largest
// |error| of that collective over all calibrated shapes.
#pragma once

#include "collective_model.hpp"

#include <string>
#include <vector>

namespace phtpu::model {

struct Measurement {
  std::string shape; ///< "4x4x8:twisted"
  Collective collective = Collective::AllReduce;
  double bytes = 0;  ///< per chip
  unsigned chips = 0;
  double cycles = 0;
};

struct CalibrationSet {
  std::string source;
  double electrical_latency = 1, optical_latency = 4;
  std::vector<Measurement> points;
};

const char* embedded_calibration_json(); ///< generated from sim/model/data/calibration_pod.json
/// Parse a calibration file (scripts/calibrate-model.sh's output); throws std::invalid_argument.
CalibrationSet parse_calibration(const std::string& json);

/// The scaled pod's chip: design values of the RTL (rtl/ici: 16-byte flits, one head flit per 16
/// words, 2 cycles per router, 8 credits per VC; the pod's 1-cycle electrical and 4-cycle
/// optical links; 2x2x2 cubes), calibrated parameters at their defaults.
Machine rtl_machine(const CalibrationSet& set);

struct CalPoint {
  Measurement m;
  double predicted = 0;
  double error = 0; ///< (predicted - measured) / measured
  bool fitted = false;
  double lockstep_cycles = 0; ///< all-to-all: the sum of its steps' busiest links (efficiency 1)
};

struct Calibration {
  Machine machine;                   ///< rtl_machine with the fitted parameters
  std::vector<std::string> fit_shapes;
  std::vector<CalPoint> points;
  double max_error(Collective c) const; ///< largest |error| of that collective
  double max_error() const;
  /// Share of points within `tol` (e.g. 0.05).
  double share_within(double tol) const;
};

Calibration calibrate(const CalibrationSet& set, const std::vector<std::string>& fit_shapes = {"2x2x4", "4x4x4"});
/// The calibration of the embedded measurements (computed once).
const Calibration& default_calibration();

/// TPU v4 at full scale (docs/references.md; each value's source in calibration.cpp), with the
/// calibrated step cost and all-to-all efficiency carried over from the RTL.
Machine tpu_v4_machine(const Calibration& cal);

} // namespace phtpu::model
