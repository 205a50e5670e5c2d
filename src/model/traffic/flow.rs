//! The fluid queue of one deployment: requests in flight at its replicas and queued at the callers, advanced over
//! an interval with a constant arrival rate and a constant number of request slots
//! (`replicas × max_ongoing_requests`). It is the fluid limit of Serve's routing: the handle sends a request to a
//! replica with a free slot (power-of-two choices keeps the replicas evenly loaded), each in-flight request
//! finishes at rate 1 / mean service time, and when every slot is busy the request waits at the caller, up to
//! `max_queued_requests`, beyond which it is rejected (`BackPressureError`).
//!
//! The solution is exact for the fluid equations (`dO/dt = admitted − O/S`, the queue growing at
//! `λ − K/S` while every slot is busy), piece by piece, so any step length gives the same numbers up to rounding.

/// Less than this many requests is none.
const DUST: f64 = 1e-3;
/// With no arrivals, fewer requests in flight than this have finished.
const LAST_REQUEST: f64 = 0.5;

/// Requests in flight at the replicas (`ongoing`) and waiting at the callers (`queued`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FlowState {
    pub ongoing: f64,
    pub queued: f64,
}

/// What happened to requests during one interval.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FlowDelta {
    pub served: f64,
    /// Rejected at the caller: the queue was at `max_queued_requests`.
    pub rejected: f64,
}

impl FlowState {
    /// Advance by `dt` seconds with `arrivals` requests spread evenly over it, `slots` request slots, mean
    /// service time `service_s`, and at most `max_queued` waiting (`None`: no limit).
    pub fn advance(
        &mut self,
        dt: f64,
        arrivals: f64,
        slots: f64,
        service_s: f64,
        max_queued: Option<f64>,
    ) -> FlowDelta {
        let mut out = FlowDelta::default();
        if dt <= 0.0 {
            self.queued += arrivals;
            self.reject_overflow(max_queued, &mut out);
            return out;
        }
        let lambda = arrivals / dt;
        let mu = 1.0 / service_s.max(1e-9);
        let mut left = dt;
        // At most three pieces: filling the slots, saturated with a queue, draining the queue.
        for _ in 0..4 {
            if left <= 0.0 {
                break;
            }
            if slots <= 0.0 {
                // No replica to send to: everything waits (the in-flight requests left with their replicas).
                out.served += self.ongoing;
                self.ongoing = 0.0;
                self.queued += lambda * left;
                break;
            }
            let capacity = slots * mu;
            if self.ongoing > slots {
                // Fewer slots than requests in flight (replicas left the routing set but keep running): those
                // requests still finish.
                out.served += self.ongoing - slots;
                self.ongoing = slots;
            }
            if self.queued > 0.0 && self.ongoing < slots {
                // New slots (replicas joined): waiting requests go to them at once.
                let moved = self.queued.min(slots - self.ongoing);
                self.ongoing += moved;
                self.queued -= moved;
            }
            if self.queued > 0.0 || (self.ongoing >= slots - 1e-12 && lambda >= capacity) {
                // Saturated: every slot busy, completions at `capacity`, the queue moves at λ − capacity.
                let net = lambda - capacity;
                if net >= 0.0 || self.queued + net * left > 0.0 {
                    self.queued += net * left;
                    out.served += capacity * left;
                    break;
                }
                // The queue empties first; then the slots start to free up.
                let t_empty = self.queued / -net;
                out.served += capacity * t_empty;
                self.queued = 0.0;
                left -= t_empty;
                continue;
            }
            // Slots free, nothing queued: dO/dt = λ − μ O, towards O* = λ S.
            let target = lambda / mu;
            let o0 = self.ongoing;
            if target <= slots {
                let o1 = target + (o0 - target) * (-mu * left).exp();
                out.served += lambda * left - (o1 - o0);
                self.ongoing = o1;
                break;
            }
            // Demand above capacity: the slots fill at t* (O reaches `slots`), then the queue grows.
            let t_full = ((target - o0) / (target - slots)).ln() / mu;
            if t_full >= left {
                let o1 = target + (o0 - target) * (-mu * left).exp();
                out.served += lambda * left - (o1 - o0);
                self.ongoing = o1;
                break;
            }
            out.served += lambda * t_full - (slots - o0);
            self.ongoing = slots;
            left -= t_full;
        }
        if lambda == 0.0 && self.queued == 0.0 && self.ongoing < LAST_REQUEST {
            // No new request: the fluid's exponential tail stands for the last few requests, which finish within
            // about a service time; under half a request left, they have.
            out.served += self.ongoing;
            self.ongoing = 0.0;
        }
        self.reject_overflow(max_queued, &mut out);
        out
    }

    fn reject_overflow(&mut self, max_queued: Option<f64>, out: &mut FlowDelta) {
        // Requests are whole: a fluid remainder below a thousandth of one has finished (the exponential decay never
        // reaches zero by itself, and a metric of 1e-9 requests would count as traffic to the autoscaler).
        if self.ongoing < DUST {
            out.served += self.ongoing;
            self.ongoing = 0.0;
        }
        if let Some(m) = max_queued
            && self.queued > m
        {
            out.rejected += self.queued - m;
            self.queued = m;
        }
        if self.queued < DUST {
            self.queued = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offered = served + rejected + what is still in the system.
    fn balance(steps: &[(f64, f64, f64)], service: f64, max_q: Option<f64>) {
        let mut s = FlowState::default();
        let (mut offered, mut done) = (0.0, 0.0);
        for &(dt, arrivals, slots) in steps {
            let d = s.advance(dt, arrivals, slots, service, max_q);
            offered += arrivals;
            done += d.served + d.rejected;
            assert!(s.ongoing <= slots.max(0.0) + 1e-9 && s.queued >= 0.0, "{s:?}");
        }
        assert!((offered - done - s.ongoing - s.queued).abs() < 1e-6, "{offered} {done} {s:?}");
    }

    #[test]
    fn requests_are_conserved() {
        balance(&[(1.0, 10.0, 10.0), (0.5, 40.0, 10.0), (2.0, 1.0, 0.0), (3.0, 100.0, 25.0)], 0.5, None);
        balance(&[(1.0, 500.0, 5.0), (1.0, 500.0, 5.0), (10.0, 0.0, 5.0)], 0.2, Some(50.0));
    }

    #[test]
    fn below_capacity_ongoing_settles_at_littles_law() {
        let mut s = FlowState::default();
        for _ in 0..100 {
            s.advance(1.0, 10.0, 25.0, 0.5, None);
        }
        assert!((s.ongoing - 5.0).abs() < 1e-6 && s.queued == 0.0, "{s:?}");
    }

    #[test]
    fn above_capacity_the_queue_grows_at_the_excess_and_overflow_is_rejected() {
        let mut s = FlowState::default();
        // 4 slots, 0.5 s each: 8 requests/s; 20 offered: the queue grows by ~12/s.
        let mut rejected = 0.0;
        for _ in 0..10 {
            rejected += s.advance(1.0, 20.0, 4.0, 0.5, Some(100.0)).rejected;
        }
        assert_eq!(s.ongoing, 4.0);
        assert_eq!(s.queued, 100.0);
        assert!(rejected > 10.0);
    }

    #[test]
    fn the_cut_does_not_change_the_result() {
        let (mut a, mut b) = (FlowState::default(), FlowState::default());
        let (mut sa, mut sb) = (0.0, 0.0);
        for _ in 0..10 {
            sa += a.advance(1.0, 30.0, 10.0, 0.5, None).served;
        }
        for _ in 0..40 {
            sb += b.advance(0.25, 7.5, 10.0, 0.5, None).served;
        }
        assert!((sa - sb).abs() < 1e-6 && (a.queued - b.queued).abs() < 1e-6, "{sa} {sb} {a:?} {b:?}");
    }
}
