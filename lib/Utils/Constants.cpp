//===- Constants.cpp - constant tensors and node names ----------*- C++ -*-===//

#include "tmix/Utils.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

DenseElementsAttr tmix::getConstantElements(Value v, int64_t maxElements) {
  ElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return {};
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense;
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource || attr.getNumElements() > maxElements)
    return {};
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return {};
  bool splat = false;
  ArrayRef<char> data = blob->getData();
  if (!DenseElementsAttr::isValidRawBuffer(resource.getType(), data, splat))
    return {};
  return DenseElementsAttr::getFromRawBuffer(resource.getType(), data);
}

SmallVector<std::string> tmix::getNodeNames(Location loc) {
  SmallVector<std::string> names;
  cast<LocationAttr>(loc).walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      std::string name = n.getName().str();
      if (!llvm::is_contained(names, name))
        names.push_back(name);
    }
    return WalkResult::advance();
  });
  return names;
}
