//! Offered load over time: the scenario's load components, summed, as requests per second. Integrals are exact
//! (every shape is piecewise constant, linear or a cosine), so the requests offered between two times do not
//! depend on how the run is cut into steps.
use crate::model::scenario::LoadComponent;
use std::f64::consts::TAU;

#[derive(Clone, Debug, PartialEq)]
enum Shape {
    Constant(f64),
    /// (from time, level), sorted; 0 before the first.
    Steps(Vec<(f64, f64)>),
    /// (time, level) points, sorted; straight lines between them.
    Ramps(Vec<(f64, f64)>),
    Ramp {
        from: f64,
        to: f64,
        start: f64,
        end: f64,
    },
    Daily {
        min: f64,
        max: f64,
        period: f64,
        peak_at: f64,
    },
    Bursts {
        rps: f64,
        every: f64,
        for_s: f64,
        start: f64,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadProfile {
    shapes: Vec<Shape>,
}

impl LoadProfile {
    /// From validated components (validation guarantees the fields each shape needs).
    pub fn from_spec(components: &[LoadComponent]) -> LoadProfile {
        let shapes = components
            .iter()
            .filter_map(|c| {
                Some(match c.shape.as_str() {
                    "constant" => Shape::Constant(c.rps?),
                    "steps" => {
                        let mut v: Vec<(f64, f64)> = c.steps.as_ref()?.iter().map(|s| (s.at_s, s.rps)).collect();
                        v.sort_by(|a, b| a.0.total_cmp(&b.0));
                        Shape::Steps(v)
                    }
                    "ramp" => Shape::Ramp {
                        from: c.from_rps.unwrap_or(0.0),
                        to: c.to_rps?,
                        start: c.start_s.unwrap_or(0.0),
                        end: c.end_s?,
                    },
                    "ramps" => {
                        let mut v: Vec<(f64, f64)> = c.points.as_ref()?.iter().map(|s| (s.at_s, s.rps)).collect();
                        v.sort_by(|a, b| a.0.total_cmp(&b.0));
                        Shape::Ramps(v)
                    }
                    "daily" => {
                        let period = c.period_s.unwrap_or(86_400.0);
                        Shape::Daily {
                            min: c.min_rps.unwrap_or(0.0),
                            max: c.max_rps?,
                            period,
                            peak_at: c.peak_at_s.unwrap_or(period / 2.0),
                        }
                    }
                    "bursts" => Shape::Bursts {
                        rps: c.rps?,
                        every: c.every_s?,
                        for_s: c.for_s?,
                        start: c.start_s.unwrap_or(0.0),
                    },
                    _ => return None,
                })
            })
            .collect();
        LoadProfile { shapes }
    }

    /// Requests per second at `t` (seconds).
    pub fn rps_at(&self, t: f64) -> f64 {
        self.shapes.iter().map(|s| s.at(t)).sum::<f64>().max(0.0)
    }

    /// Requests offered in `[t0, t1)`.
    pub fn requests_between(&self, t0: f64, t1: f64) -> f64 {
        if t1 <= t0 {
            return 0.0;
        }
        self.shapes.iter().map(|s| s.integral(t0, t1)).sum::<f64>().max(0.0)
    }
}

impl Shape {
    fn at(&self, t: f64) -> f64 {
        match self {
            Shape::Constant(c) => *c,
            Shape::Steps(v) => v.iter().rev().find(|(at, _)| *at <= t).map_or(0.0, |(_, l)| *l),
            Shape::Ramp { from, to, start, end } => {
                if t <= *start {
                    *from
                } else if t >= *end {
                    *to
                } else {
                    from + (to - from) * (t - start) / (end - start)
                }
            }
            Shape::Ramps(v) => {
                let Some(i) = v.iter().position(|(at, _)| *at > t) else { return v.last().map_or(0.0, |p| p.1) };
                if i == 0 {
                    return v[0].1;
                }
                let ((t0, a), (t1, b)) = (v[i - 1], v[i]);
                a + (b - a) * (t - t0) / (t1 - t0)
            }
            Shape::Daily { min, max, period, peak_at } => {
                min + (max - min) * (1.0 + (TAU * (t - peak_at) / period).cos()) / 2.0
            }
            Shape::Bursts { rps, every, for_s, start } => {
                if t < *start {
                    return 0.0;
                }
                if (t - start).rem_euclid(*every) < *for_s { *rps } else { 0.0 }
            }
        }
    }

    fn integral(&self, t0: f64, t1: f64) -> f64 {
        match self {
            Shape::Constant(c) => c * (t1 - t0),
            Shape::Steps(v) => {
                let mut sum = 0.0;
                for (i, (at, level)) in v.iter().enumerate() {
                    let until = v.get(i + 1).map_or(f64::INFINITY, |n| n.0);
                    sum += level * overlap(t0, t1, *at, until);
                }
                sum
            }
            Shape::Ramp { from, to, start, end } => {
                let before = from * overlap(t0, t1, f64::NEG_INFINITY, *start);
                let after = to * overlap(t0, t1, *end, f64::INFINITY);
                let (a, b) = (t0.max(*start), t1.min(*end));
                let during = if b > a { (self.at(a) + self.at(b)) / 2.0 * (b - a) } else { 0.0 };
                before + during + after
            }
            Shape::Ramps(v) => {
                // Piecewise linear: the trapezoid over each piece between consecutive breakpoints.
                let mut cuts: Vec<f64> = vec![t0];
                cuts.extend(v.iter().map(|p| p.0).filter(|&x| x > t0 && x < t1));
                cuts.push(t1);
                cuts.windows(2).map(|w| (self.at(w[0]) + self.at(w[1])) / 2.0 * (w[1] - w[0])).sum()
            }
            Shape::Daily { min, max, period, peak_at } => {
                let w = TAU / period;
                let s = |t: f64| (w * (t - peak_at)).sin() / w;
                (min + max) / 2.0 * (t1 - t0) + (max - min) / 2.0 * (s(t1) - s(t0))
            }
            Shape::Bursts { rps, every, for_s, start } => {
                let first = ((t0 - start) / every).floor().max(0.0) as u64;
                let mut sum = 0.0;
                let mut k = first;
                loop {
                    let on = start + k as f64 * every;
                    if on >= t1 {
                        break;
                    }
                    sum += overlap(t0, t1, on, on + for_s);
                    k += 1;
                }
                rps * sum
            }
        }
    }
}

fn overlap(a0: f64, a1: f64, b0: f64, b1: f64) -> f64 {
    (a1.min(b1) - a0.max(b0)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::LoadStep;

    fn c(shape: &str, f: impl FnOnce(&mut LoadComponent)) -> LoadComponent {
        let mut x = LoadComponent { shape: shape.to_string(), ..Default::default() };
        f(&mut x);
        x
    }

    #[test]
    fn integrals_match_the_rate_and_do_not_depend_on_the_cut() {
        let p = LoadProfile::from_spec(&[
            c("constant", |x| x.rps = Some(5.0)),
            c("steps", |x| x.steps = Some(vec![LoadStep { at_s: 10.0, rps: 20.0 }, LoadStep { at_s: 30.0, rps: 2.0 }])),
            c("ramp", |x| {
                x.to_rps = Some(10.0);
                x.start_s = Some(5.0);
                x.end_s = Some(15.0);
            }),
            c("ramps", |x| {
                x.points = Some(vec![
                    LoadStep { at_s: 3.0, rps: 1.0 },
                    LoadStep { at_s: 20.0, rps: 12.0 },
                    LoadStep { at_s: 35.0, rps: 0.0 },
                ])
            }),
            c("daily", |x| {
                x.max_rps = Some(8.0);
                x.period_s = Some(40.0);
            }),
            c("bursts", |x| {
                x.rps = Some(50.0);
                x.every_s = Some(7.0);
                x.for_s = Some(1.5);
            }),
        ]);
        let whole = p.requests_between(0.0, 50.0);
        let mut cut = 0.0;
        let mut t = 0.0;
        while t < 50.0 {
            cut += p.requests_between(t, t + 0.37);
            t += 0.37;
        }
        cut -= p.requests_between(50.0, t);
        assert!((whole - cut).abs() < 1e-6, "{whole} vs {cut}");
        // A fine Riemann sum of the rate agrees with the exact integral.
        let riemann: f64 = (0..500_000).map(|i| p.rps_at((i as f64 + 0.5) * 1e-4)).sum::<f64>() * 1e-4;
        assert!((whole - riemann).abs() < 0.05, "{whole} vs {riemann}");
    }
}
