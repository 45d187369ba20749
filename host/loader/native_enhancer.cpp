#include "host/loader/native_enhancer.h"

#include "host/instance/table_enhancer.h"
#include "host/loader/api_version.h"

namespace algohost {

Result<std::unique_ptr<EnhancerInstance>> NativeEnhancerLoader::instantiate(const Manifest& m, const OrderedJson& params) {
  const std::string where = m.file.string();
  if (m.kind != "enhancer") return Status::InvalidArgument(where + ": kind is '" + m.kind + "', not 'enhancer'");
  Status declared = check_enhancer_api_version(m.api_major, m.api_minor, where + " (implementation.sdk_api_version)");
  if (!declared.ok()) return declared;
  auto opened = libraries_->open_entry(m, ALGOHOST_ENHANCER_ENTRY_SYMBOL);
  if (!opened.ok()) return opened.status();
  const ah_enhancer_api* api = reinterpret_cast<ah_enhancer_entry_fn>(opened->entry)();
  Status desc = check_enhancer_descriptor(api, LibraryCache::path(*opened->lib).string());
  if (!desc.ok()) return desc;
  auto inst = TableEnhancer::create(api, opened->lib, m.id(), params.dump());
  if (!inst.ok()) return inst.status();
  return std::unique_ptr<EnhancerInstance>(std::move(*inst));
}

}  // namespace algohost
