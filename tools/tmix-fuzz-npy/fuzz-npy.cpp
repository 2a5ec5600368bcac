//===- fuzz-npy.cpp - libFuzzer target for the .npy/.npz reader -----------===//
//
// Each input is parsed as .npz and as .npy; what parses is encoded again
// and must parse back to the same array (a round trip through the writer).
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include <cstdlib>

using namespace tmix::npy;

static void roundTrip(const Array &array) {
  std::vector<uint8_t> bytes;
  std::string error;
  if (!encodeNpy(array, bytes, &error))
    return;
  Array again;
  if (!parseNpy(bytes.data(), bytes.size(), "round trip", again, &error) ||
      again.dtype != array.dtype || again.shape != array.shape ||
      again.data != array.data)
    abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string error;
  std::vector<Array> arrays;
  if (parseNpz(data, size, "input", arrays, &error))
    for (const Array &array : arrays)
      roundTrip(array);
  Array array;
  if (parseNpy(data, size, "input", array, &error))
    roundTrip(array);
  return 0;
}
