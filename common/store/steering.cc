// common/store/steering.cc: edges, pools, steered names, overrides and the latency map (reads
// and writes; the rules they obey are in steer_config.cc).
#include "common/store/db.h"
#include "common/store/sqlite.h"

namespace cdn::store {

using namespace sql;

Result<SteerConfig> Db::steer_config(int64_t version) {
  ReadScope scope(handle_.get());
  SteerConfig out;
  out.version = version;
  sqlite3* h = handle_.get();
  if (!table_exists(h, "edges")) return out;
  {
    Statement s(h, std::string("SELECT name, site, latitude, longitude, ipv4, ipv6, capacity, "
                               "weight FROM edges WHERE ") +
                       kAtVersion + " ORDER BY name");
    s.bind(1, version);
    while (s.step()) {
      Edge e{s.text(0), s.text(1), s.f64(2), s.f64(3), {}, {}, s.i64(6), s.i64(7)};
      for (auto [column, address] : {std::pair{4, &e.ipv4}, std::pair{5, &e.ipv6}}) {
        if (s.view(column).empty()) continue;
        auto parsed = net::parse_address(s.view(column));
        if (!parsed) return fail("edge " + e.name + ": stored address " + parsed.error().text());
        *address = *parsed;
      }
      out.edges.push_back(std::move(e));
    }
    if (!s.ok()) return fail("cannot read edges");
  }
  {
    Statement s(h, std::string("SELECT name, answers, ttl, fallback, low, high FROM pools WHERE ") +
                       kAtVersion + " ORDER BY name");
    s.bind(1, version);
    while (s.step()) {
      Pool p;
      p.name = s.text(0);
      p.answers = s.i64(1);
      p.ttl = s.i64(2);
      p.fallback = s.text(3);
      p.low = s.f64(4);
      p.high = s.f64(5);
      out.pools.push_back(std::move(p));
    }
    if (!s.ok()) return fail("cannot read pools");
    Statement e(h, std::string("SELECT edge FROM pool_edges WHERE pool = ?2 AND ") + kAtVersion +
                       " ORDER BY seq, rowid");
    for (auto& p : out.pools) {
      e.reset();
      e.bind(1, version).bind(2, p.name);
      while (e.step()) p.edges.push_back(e.text(0));
      if (!e.ok()) return fail("cannot read the edges of pool " + p.name);
    }
  }
  {
    Statement s(h, std::string("SELECT name, pool FROM steered_names WHERE ") + kAtVersion +
                       " ORDER BY name");
    s.bind(1, version);
    while (s.step()) out.names.push_back({s.text(0), s.text(1)});
    if (!s.ok()) return fail("cannot read steered names");
  }
  {
    Statement s(h, std::string("SELECT edge, state, load FROM edge_overrides WHERE ") + kAtVersion +
                       " ORDER BY edge");
    s.bind(1, version);
    while (s.step()) {
      out.overrides.push_back(
          {s.text(0), s.text(1), s.null(2) ? std::nullopt : std::optional<double>(s.f64(2))});
    }
    if (!s.ok()) return fail("cannot read edge overrides");
  }
  {
    Statement s(h, std::string("SELECT prefix, edge, rtt_ms FROM latency WHERE ") + kAtVersion +
                       " ORDER BY prefix, edge");
    s.bind(1, version);
    while (s.step()) out.latency.push_back({s.text(0), s.text(1), s.f64(2)});
    if (!s.ok()) return fail("cannot read the latency map");
  }
  return out;
}

Status Transaction::put_edge(const Edge& edge) {
  if (auto ended = end_rows("edges", "name", edge.name); !ended) return ended.error();
  Statement s(db_->handle_.get(),
              "INSERT INTO edges(name, site, latitude, longitude, ipv4, ipv6, capacity, weight, "
              "since) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.bind(1, edge.name).bind(2, edge.site).bind(3, edge.latitude).bind(4, edge.longitude);
  s.bind(5, edge.ipv4 ? edge.ipv4->text() : std::string());
  s.bind(6, edge.ipv6 ? edge.ipv6->text() : std::string());
  s.bind(7, edge.capacity).bind(8, edge.weight);
  if (!s.bind(9, version_).run()) return db_->fail("cannot write edge " + edge.name);
  return Ok{};
}

Status Transaction::delete_edge(const std::string& name) {
  auto ended = end_rows("edges", "name", name);
  if (!ended) return ended.error();
  if (*ended == 0) return Error(db_->path_, "no edge " + name);
  for (const char* table : {"edge_overrides", "latency"}) {
    if (auto st = end_rows(table, "edge", name); !st) return st.error();
  }
  return Ok{};
}

Status Transaction::put_pool(const Pool& pool) {
  for (const auto& [table, column] :
       {std::pair{"pools", "name"}, std::pair{"pool_edges", "pool"}}) {
    if (auto st = end_rows(table, column, pool.name); !st) return st.error();
  }
  sqlite3* h = db_->handle_.get();
  Statement s(h,
              "INSERT INTO pools(name, answers, ttl, fallback, low, high, since) "
              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind(1, pool.name).bind(2, pool.answers).bind(3, pool.ttl).bind(4, pool.fallback);
  s.bind(5, pool.low).bind(6, pool.high).bind(7, version_);
  if (!s.run()) return db_->fail("cannot write pool " + pool.name);
  Statement e(h, "INSERT INTO pool_edges(pool, seq, edge, since) VALUES(?1, ?2, ?3, ?4)");
  int64_t seq = 0;
  for (const auto& edge : pool.edges) {
    e.reset();
    if (!e.bind(1, pool.name).bind(2, ++seq).bind(3, edge).bind(4, version_).run()) {
      return db_->fail("cannot write pool " + pool.name);
    }
  }
  return Ok{};
}

Status Transaction::delete_pool(const std::string& name) {
  auto ended = end_rows("pools", "name", name);
  if (!ended) return ended.error();
  if (*ended == 0) return Error(db_->path_, "no pool " + name);
  if (auto st = end_rows("pool_edges", "pool", name); !st) return st.error();
  return Ok{};
}

Status Transaction::put_steered_name(const SteeredName& name) {
  if (auto ended = end_rows("steered_names", "name", name.name); !ended) return ended.error();
  Statement s(db_->handle_.get(),
              "INSERT INTO steered_names(name, pool, since) VALUES(?1, ?2, ?3)");
  if (!s.bind(1, name.name).bind(2, name.pool).bind(3, version_).run()) {
    return db_->fail("cannot write steered name " + name.name);
  }
  return Ok{};
}

Status Transaction::delete_steered_name(const std::string& name) {
  auto ended = end_rows("steered_names", "name", name);
  if (!ended) return ended.error();
  if (*ended == 0) return Error(db_->path_, "no steered name " + name);
  return Ok{};
}

Status Transaction::set_edge_override(const EdgeOverride& state) {
  if (auto ended = end_rows("edge_overrides", "edge", state.edge); !ended) {
    return ended.error();
  }
  Statement s(db_->handle_.get(),
              "INSERT INTO edge_overrides(edge, state, load, since) VALUES(?1, ?2, ?3, ?4)");
  s.bind(1, state.edge).bind(2, state.state).bind(3, state.load).bind(4, version_);
  if (!s.run()) return db_->fail("cannot write the override of edge " + state.edge);
  return Ok{};
}

Status Transaction::clear_edge_override(const std::string& edge) {
  if (auto ended = end_rows("edge_overrides", "edge", edge); !ended) return ended.error();
  return Ok{};
}

Status Transaction::replace_latency(const std::vector<LatencyEntry>& entries) {
  sqlite3* h = db_->handle_.get();
  Statement end(h, "UPDATE latency SET until = ?1 WHERE until IS NULL");
  if (!end.bind(1, version_).run()) return db_->fail("cannot replace the latency map");
  Statement s(h, "INSERT INTO latency(prefix, edge, rtt_ms, since) VALUES(?1, ?2, ?3, ?4)");
  for (const auto& entry : entries) {
    s.reset();
    s.bind(1, entry.prefix).bind(2, entry.edge).bind(3, entry.rtt_ms).bind(4, version_);
    if (!s.run()) return db_->fail("cannot write latency " + entry.prefix + " " + entry.edge);
  }
  return Ok{};
}

}  // namespace cdn::store
