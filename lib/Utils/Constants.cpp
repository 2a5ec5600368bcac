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

std::optional<ArrayRef<char>> tmix::getRawConstantBytes(Attribute value) {
  auto elements = dyn_cast_or_null<ElementsAttr>(value);
  if (!elements)
    return std::nullopt;
  Type elt = elements.getElementType();
  if (!elt.isIntOrFloat() || elt.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  uint64_t expected =
      elements.getNumElements() * (elt.getIntOrFloatBitWidth() / 8);
  ArrayRef<char> bytes;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.isSplat())
      return std::nullopt;
    bytes = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    bytes = blob->getData();
  } else {
    return std::nullopt;
  }
  if (bytes.size() != expected)
    return std::nullopt;
  return bytes;
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
