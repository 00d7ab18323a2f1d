// healthd/scheduler.cc: per-check timers on one io_context (see the header's overview).
#include "healthd/scheduler.h"

#include <pthread.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "common/log.h"

namespace cdn::health {

namespace asio = boost::asio;
using std::chrono::milliseconds;

struct Scheduler::Impl {
  struct Entry {
    Entry(CheckSpec s, asio::io_context& io, const DampingPolicy& damping, const Clock& clock)
        : spec(std::move(s)),
          check(make_check(spec, io)),
          interval_timer(io),
          timeout_timer(io),
          machine(spec.rise, spec.fall, damping, clock) {}

    CheckSpec spec;
    std::unique_ptr<Check> check;
    asio::steady_timer interval_timer;
    asio::steady_timer timeout_timer;
    StateMachine machine;                    // guarded by Impl::status_mutex
    std::optional<CheckResult> last;         // guarded by Impl::status_mutex
    uint64_t probes = 0;                     // guarded by Impl::status_mutex
    asio::steady_timer::time_point nominal;  // when the current probe was due
    Clock::TimePoint started{};
    bool in_flight = false;
  };

  Impl(std::vector<CheckSpec> specs, DampingPolicy damping, const Clock& c, Callbacks cb)
      : clock(c), callbacks(std::move(cb)), random(std::random_device{}()) {
    for (auto& spec : specs) {
      entries.push_back(std::make_unique<Entry>(std::move(spec), io, damping, clock));
    }
  }

  milliseconds sample_jitter(milliseconds jitter, bool first) {
    if (jitter.count() <= 0) return milliseconds(0);
    std::uniform_int_distribution<int64_t> pick(first ? 0 : -jitter.count(), jitter.count());
    return milliseconds(pick(random));
  }

  void schedule_first(Entry& e) {
    e.nominal = asio::steady_timer::clock_type::now();
    arm(e, e.nominal + sample_jitter(e.spec.jitter, true));
  }

  void schedule_next(Entry& e) {
    auto now = asio::steady_timer::clock_type::now();
    e.nominal += e.spec.interval;
    auto due = e.nominal + sample_jitter(e.spec.jitter, false);
    if (due < now) {  // the probe overran its slot: start again now, on a new grid
      e.nominal = now;
      due = now;
    }
    arm(e, due);
  }

  void arm(Entry& e, asio::steady_timer::time_point due) {
    e.interval_timer.expires_at(due);
    e.interval_timer.async_wait([this, &e](const boost::system::error_code& error) {
      if (!error) start_probe(e);
    });
  }

  void start_probe(Entry& e) {
    uint64_t id = 0;
    {
      std::lock_guard lock(status_mutex);
      id = ++e.probes;
    }
    e.in_flight = true;
    e.started = clock.now();
    e.timeout_timer.expires_after(e.spec.timeout);
    e.timeout_timer.async_wait([this, &e, id](const boost::system::error_code& error) {
      if (error || !current(e, id)) return;
      finish(e,
             CheckResult{
                 false, "timeout after " + std::to_string(e.spec.timeout.count()) + " ms", {}, {}});
      e.check->cancel();  // its late `done` is ignored: the probe is no longer current
    });
    e.check->start([this, &e, id](CheckResult result) {
      if (!current(e, id)) return;
      e.timeout_timer.cancel();
      finish(e, std::move(result));
    });
  }

  bool current(const Entry& e, uint64_t id) {
    std::lock_guard lock(status_mutex);
    return e.in_flight && e.probes == id;
  }

  void finish(Entry& e, CheckResult result) {
    e.in_flight = false;
    result.latency = std::chrono::duration_cast<std::chrono::microseconds>(clock.now() - e.started);
    std::optional<Transition> change;
    {
      std::lock_guard lock(status_mutex);
      e.last = result;
      change = e.machine.observe(result);
    }
    if (callbacks.on_result) callbacks.on_result(e.spec, result);
    if (change) {
      log::info("check." + std::string(to_string(change->to)), {{"check", e.spec.name},
                                                                {"kind", to_string(e.spec.kind)},
                                                                {"from", to_string(change->from)},
                                                                {"reason", change->reason}});
      if (callbacks.on_change) callbacks.on_change(e.spec, *change);
    }
    schedule_next(e);
  }

  const Clock& clock;  // borrowed: outlives the scheduler
  Callbacks callbacks;
  std::mt19937_64 random;  // jitter; used on the scheduler's thread only
  asio::io_context io;     // declared before the entries: their sockets and timers close first
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::vector<std::unique_ptr<Entry>> entries;
  mutable std::mutex status_mutex;  // guards each Entry's machine, last and probes
  std::thread thread;
};

Scheduler::Scheduler(std::vector<CheckSpec> specs, DampingPolicy damping, const Clock& clock,
                     Callbacks callbacks)
    : impl_(std::make_unique<Impl>(std::move(specs), damping, clock, std::move(callbacks))) {}

// stop() only sets a flag, wakes and joins; if that throws the process is broken anyway.
Scheduler::~Scheduler() { stop(); }  // NOLINT(bugprone-exception-escape)

void Scheduler::carry_over(const std::vector<CheckStatus>& previous) {
  std::lock_guard lock(impl_->status_mutex);
  for (auto& e : impl_->entries) {
    for (const auto& p : previous) {
      if (p.name != e->spec.name) continue;
      e->machine.seed(p.state, p.reason);
      e->last = p.last;
      e->probes = p.probes;
    }
  }
}

void Scheduler::start() {
  if (impl_->thread.joinable()) return;
  for (auto& e : impl_->entries) impl_->schedule_first(*e);
  impl_->thread = std::thread([impl = impl_.get()] {
    pthread_setname_np(pthread_self(), impl->callbacks.thread_name);
    impl->io.run();
  });
}

void Scheduler::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
  for (auto& e : impl_->entries) {
    e->interval_timer.cancel();
    e->timeout_timer.cancel();
    e->check->cancel();
  }
}

std::vector<CheckStatus> Scheduler::statuses() const {
  std::lock_guard lock(impl_->status_mutex);
  std::vector<CheckStatus> out;
  for (const auto& e : impl_->entries) {
    CheckStatus s;
    s.name = e->spec.name;
    s.state = e->machine.state();
    s.reason = e->machine.reason();
    s.last = e->last;
    s.held_until = e->machine.held_until();
    s.probes = e->probes;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace cdn::health
