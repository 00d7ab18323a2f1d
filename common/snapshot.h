// common/snapshot.h: one writer publishes whole immutable versions; readers take one per batch.
// A reader holds the lock only to copy a pointer and a writer only to swap one, so nobody waits
// on a build or a free: building happens before publish(), and the old version is freed by
// whoever drops the last reference, outside the lock. (std::atomic<std::shared_ptr> in
// libstdc++ 12 is a spin lock as well, one that ThreadSanitizer cannot follow.)
#pragma once
#include <memory>
#include <mutex>

namespace cdn {

template <class T>
class Published {
 public:
  std::shared_ptr<const T> get() const {
    std::lock_guard lock(current_mutex_);
    return current_;
  }
  void publish(std::shared_ptr<const T> next) {
    {
      std::lock_guard lock(current_mutex_);
      current_.swap(next);
    }
    // `next` now holds the previous version; it goes here, outside the lock, unless a reader
    // still has it.
  }

 private:
  mutable std::mutex current_mutex_;  // guards current_
  std::shared_ptr<const T> current_;
};

}  // namespace cdn
