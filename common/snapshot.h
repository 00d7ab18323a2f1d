// common/snapshot.h: one writer publishes whole immutable versions; readers load one per batch
// and never wait for the writer.
#pragma once
#include <atomic>
#include <memory>

namespace cdn {

template <class T>
class Published {
 public:
  std::shared_ptr<const T> get() const { return current_.load(std::memory_order_acquire); }
  void publish(std::shared_ptr<const T> next) {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const T>> current_;
};

}  // namespace cdn
