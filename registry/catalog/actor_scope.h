// ActorScope — records `actor` (an API caller) in the catalog's audit rows written while it
// lives, then restores the connection's own actor.
#pragma once

#include <string>
#include <utility>

#include "registry/catalog/catalog.h"

namespace algohost::catalog {

class ActorScope {
 public:
  ActorScope(Catalog& c, std::string actor) : c_(c), saved_(c.actor()) { c.set_actor(std::move(actor)); }
  ~ActorScope() { c_.set_actor(std::move(saved_)); }
  ActorScope(const ActorScope&) = delete;
  ActorScope& operator=(const ActorScope&) = delete;

 private:
  Catalog& c_;
  std::string saved_;
};

}  // namespace algohost::catalog
