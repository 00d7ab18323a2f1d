// common/store/health_objects.cc: cdn-healthd's objects (reads and writes; their types and
// rules are in health_config.cc).
#include "common/store/db.h"
#include "common/store/sqlite.h"

namespace cdn::store {

using namespace sql;

Result<std::vector<HealthObject>> Db::health_objects(int64_t version) {
  ReadScope scope(handle_.get());
  std::vector<HealthObject> out;
  if (!table_exists(handle_.get(), "health_objects")) return out;
  Statement s(handle_.get(), std::string("SELECT kind, name, body FROM health_objects WHERE ") +
                                 kAtVersion + " ORDER BY kind, name");
  s.bind(1, version);
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
  if (!s.ok()) return fail("cannot read health objects");
  return out;
}

Status Transaction::put_health_object(const HealthObject& object) {
  sqlite3* h = db_->handle_.get();
  Statement end(h,
                "UPDATE health_objects SET until = ?1 WHERE kind = ?2 AND name = ?3 AND until IS "
                "NULL");
  if (!end.bind(1, version_).bind(2, object.kind).bind(3, object.name).run()) {
    return db_->fail("cannot change " + object.kind + " " + object.name);
  }
  Statement s(h, "INSERT INTO health_objects(kind, name, body, since) VALUES(?1, ?2, ?3, ?4)");
  s.bind(1, object.kind).bind(2, object.name).bind(3, object.body).bind(4, version_);
  if (!s.run()) return db_->fail("cannot write " + object.kind + " " + object.name);
  return Ok{};
}

Result<bool> Transaction::delete_health_object(const std::string& kind, const std::string& name) {
  sqlite3* h = db_->handle_.get();
  Statement end(h,
                "UPDATE health_objects SET until = ?1 WHERE kind = ?2 AND name = ?3 AND until IS "
                "NULL");
  if (!end.bind(1, version_).bind(2, kind).bind(3, name).run()) {
    return db_->fail("cannot change " + kind + " " + name);
  }
  return sqlite3_changes(h) > 0;
}

}  // namespace cdn::store
